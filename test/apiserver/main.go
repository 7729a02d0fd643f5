// Command apiserver runs a throwaway Kubernetes control plane on loopback for the server check
// (docs/server-check.md): embedded etcd and kube-apiserver and, with -controllers, the
// kube-controller-manager and kube-scheduler of the same release. No kubelet runs (the function
// check adds KWOK, a separate binary, for nodes and pods).
//
// One binary, several programs, as hyperkube was: the first argument picks one.
//
//	apiserver [flags]                          etcd + kube-apiserver (the default)
//	apiserver kube-controller-manager [flags]  kube-controller-manager's own command line
//	apiserver kube-scheduler [flags]           kube-scheduler's own command line
//
// The default program writes a kubeconfig (bearer token, the serving CA) into its work directory
// and prints one line
//
//	READY <path of the kubeconfig>
//
// on stdout once GET /readyz answers 200 (and, with -controllers, once the controller-manager and
// the scheduler are started: one process each, this binary run again with their subcommand). It
// stops, and removes the work directory it created, on SIGINT or SIGTERM, when its stdin reaches
// end of file (the parent that spawned it is gone), or when -max-lifetime has passed, whichever
// comes first; the controller-manager and the scheduler stop with it.
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"golang.org/x/sys/unix"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"

	// The same registrations as the main packages of kube-apiserver, kube-controller-manager and
	// kube-scheduler (cmd/*/{apiserver,controller-manager,scheduler}.go): time zone data for
	// CronJob.spec.timeZone validation and scheduling, and the metrics the servers expect.
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	_ "time/tzdata"
)

func main() {
	if len(os.Args) > 1 {
		if program, ok := programs[os.Args[1]]; ok {
			os.Exit(runProgram(program, os.Args[2:]))
		}
	}
	workDir := flag.String("dir", "", "work directory (etcd data, certificates, kubeconfig, log); default: a new temporary directory, removed on exit")
	maxLifetime := flag.Duration("max-lifetime", 30*time.Minute, "stop after this long even if nobody asked")
	readyTimeout := flag.Duration("ready-timeout", 5*time.Minute, "give up if /readyz has not answered 200 by then")
	watchStdin := flag.Bool("exit-on-stdin-eof", true, "stop when stdin reaches end of file (the parent that holds the pipe is gone)")
	controllers := flag.Bool("controllers", false, "also run kube-controller-manager and kube-scheduler (one process each), for the function check")
	flag.Parse()

	// run sends file descriptor 2 to its log; errors for the parent go to the stderr it was given.
	stderrFD, err := unix.Dup(2)
	if err != nil {
		fmt.Fprintf(os.Stderr, "apiserver: %v\n", err)
		os.Exit(1)
	}
	stderr := os.NewFile(uintptr(stderrFD), "stderr")

	dir := *workDir
	if dir == "" {
		dir, err = os.MkdirTemp("", "apiserver-")
	} else {
		err = os.MkdirAll(dir, 0o700)
	}
	if err == nil {
		err = run(dir, *maxLifetime, *readyTimeout, *watchStdin, *controllers)
	}
	if err != nil {
		fmt.Fprintf(stderr, "apiserver: %v\n", err)
		if tail := logTail(filepath.Join(dir, "apiserver.log"), 40); tail != "" {
			fmt.Fprintf(stderr, "last lines of its log:\n%s\n", tail)
		}
	}
	if *workDir == "" && dir != "" {
		_ = os.RemoveAll(dir)
	}
	if err != nil {
		os.Exit(1)
	}
}

func logTail(path string, lines int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	text := strings.TrimRight(string(data), "\n")
	all := strings.Split(text, "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

func run(dir string, maxLifetime, readyTimeout time.Duration, watchStdin, controllers bool) error {
	logFile, err := os.Create(filepath.Join(dir, "apiserver.log"))
	if err != nil {
		return err
	}
	defer logFile.Close()
	// etcd (zap) and kube-apiserver (klog) log to stderr, and a panic goes there too; the parent reads
	// stdout only, and the log stays for when something goes wrong (-dir keeps it after exit).
	if err := unix.Dup2(int(logFile.Fd()), 2); err != nil {
		return err
	}
	etcd, err := startEtcd(filepath.Join(dir, "etcd"))
	if err != nil {
		return fmt.Errorf("etcd: %w", err)
	}
	defer etcd.Close()
	etcdURL := "http://" + etcd.Clients[0].Addr().String()

	port, err := freePort()
	if err != nil {
		return err
	}
	token, err := randomHex(32)
	if err != nil {
		return err
	}
	caPEM, err := writeFiles(dir, token)
	if err != nil {
		return err
	}
	server := "https://127.0.0.1:" + strconv.Itoa(port)
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := writeKubeconfig(kubeconfig, server, caPEM, token); err != nil {
		return err
	}

	cmd := app.NewAPIServerCommand()
	cmd.SetArgs([]string{
		"--etcd-servers=" + etcdURL,
		"--bind-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(port),
		// Without a default route the server cannot pick an address to advertise.
		"--advertise-address=127.0.0.1",
		"--tls-cert-file=" + filepath.Join(dir, "serving.crt"),
		"--tls-private-key-file=" + filepath.Join(dir, "serving.key"),
		"--token-auth-file=" + filepath.Join(dir, "tokens.csv"),
		"--anonymous-auth=false",
		// RBAC as in a real cluster; the one user is in system:masters, which every authorizer allows.
		"--authorization-mode=RBAC",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + filepath.Join(dir, "sa.key"),
		"--service-account-signing-key-file=" + filepath.Join(dir, "sa.key"),
		"--service-cluster-ip-range=10.96.0.0/16",
		// As kubeadm and managed clusters run it: privileged containers are a Pod Security matter
		// (the namespace's level decides), not refused for the whole cluster.
		"--allow-privileged=true",
		// Whether a claim may grow depends on its StorageClass (allowVolumeExpansion), a fact of the
		// cluster this server does not have; the plugin would refuse every resize for want of it.
		// Growth and shrinking are still judged by the claim's own validation.
		"--disable-admission-plugins=PersistentVolumeClaimResize",
		// Nothing maintains the kubernetes Service endpoints here, and nothing needs them.
		"--endpoint-reconciler-type=none",
		"--profiling=false",
		"--v=1",
	})
	cmd.SetOut(logFile)
	cmd.SetErr(logFile)

	done := make(chan error, 1)
	go func() { done <- cmd.Execute() }()

	// NewAPIServerCommand installed kube-apiserver's own signal handler (SIGINT/SIGTERM cancel its
	// context); the other reasons to stop go through it too, so shutdown has one path.
	stop := func() { _ = syscall.Kill(os.Getpid(), syscall.SIGTERM) }
	if watchStdin {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			stop()
		}()
	}
	lifetime := time.AfterFunc(maxLifetime, stop)
	defer lifetime.Stop()

	readyErr := make(chan error, 1)
	go func() { readyErr <- waitReady(server, caPEM, token, readyTimeout) }()

	select {
	case err := <-done:
		return fmt.Errorf("kube-apiserver stopped before it was ready: %v", err)
	case err := <-readyErr:
		if err != nil {
			stop()
			<-done
			return err
		}
	}
	var children []*child
	if controllers {
		for _, name := range []string{"kube-controller-manager", "kube-scheduler"} {
			c, err := startChild(dir, name, childArgs(name, dir, kubeconfig))
			if err != nil {
				stopChildren(children)
				stop()
				<-done
				return err
			}
			children = append(children, c)
		}
		// On the way down the controller-manager and the scheduler stop first: while their watches
		// are open, kube-apiserver's graceful shutdown does not finish. Every reason to stop arrives
		// as SIGTERM or SIGINT (see stop), which kube-apiserver's own handler receives as well.
		signals := make(chan os.Signal, 1)
		signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
		go func() {
			<-signals
			stopChildren(children)
		}()
	}
	fmt.Printf("READY %s\n", kubeconfig)

	err = <-done
	stopChildren(children)
	if err != nil {
		return fmt.Errorf("kube-apiserver: %w", err)
	}
	return nil
}

// startEtcd starts a single-member etcd on loopback. Port 0 lets the kernel choose, so two runs
// never collide; the chosen client address is read back from the listener.
func startEtcd(dataDir string) (*embed.Etcd, error) {
	cfg := embed.NewConfig()
	cfg.Name = "default"
	cfg.Dir = dataDir
	loopback := url.URL{Scheme: "http", Host: "127.0.0.1:0"}
	cfg.ListenClientUrls = []url.URL{loopback}
	cfg.AdvertiseClientUrls = []url.URL{loopback}
	cfg.ListenPeerUrls = []url.URL{loopback}
	cfg.AdvertisePeerUrls = []url.URL{loopback}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	// The data lives for one run: durability buys nothing and fsync costs seconds on a busy disk.
	cfg.UnsafeNoFsync = true
	cfg.LogLevel = "error"
	cfg.LogOutputs = []string{"stderr"}
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, err
	}
	select {
	case <-e.Server.ReadyNotify():
		return e, nil
	case err := <-e.Err():
		e.Close()
		return nil, err
	case <-time.After(2 * time.Minute):
		e.Close()
		return nil, errors.New("not ready after 2 minutes")
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// writeFiles writes the token file, the service-account signing key and a serving certificate
// signed by a fresh CA, and returns the CA certificate (PEM) clients must trust.
func writeFiles(dir, token string) ([]byte, error) {
	// token,user,uid,"groups"; system:masters is allowed everything by RBAC's superuser rule.
	tokens := fmt.Sprintf("%s,admin,admin,\"system:masters\"\n", token)
	if err := os.WriteFile(filepath.Join(dir, "tokens.csv"), []byte(tokens), 0o600); err != nil {
		return nil, err
	}

	saKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	if err := writeKey(filepath.Join(dir, "sa.key"), saKey); err != nil {
		return nil, err
	}

	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	caTemplate := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "server-check-ca"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTemplate, caTemplate, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}

	servingKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	servingTemplate := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "kube-apiserver"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:     []string{"localhost"},
	}
	servingDER, err := x509.CreateCertificate(rand.Reader, servingTemplate, caCert, &servingKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	servingPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: servingDER})
	if err := os.WriteFile(filepath.Join(dir, "serving.crt"), servingPEM, 0o600); err != nil {
		return nil, err
	}
	if err := writeKey(filepath.Join(dir, "serving.key"), servingKey); err != nil {
		return nil, err
	}
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	// The controller-manager publishes it in each namespace (kube-root-ca.crt) and puts it in
	// service-account token Secrets.
	if err := os.WriteFile(filepath.Join(dir, "ca.crt"), caPEM, 0o600); err != nil {
		return nil, err
	}
	return caPEM, nil
}

func writeKey(path string, key *ecdsa.PrivateKey) error {
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), 0o600)
}

func writeKubeconfig(path, server string, caPEM []byte, token string) error {
	// JSON is YAML: kubectl and the Node side both read it without a YAML library here.
	config := fmt.Sprintf(`{
  "apiVersion": "v1",
  "kind": "Config",
  "clusters": [{"name": "local", "cluster": {"server": %q, "certificate-authority-data": %q}}],
  "users": [{"name": "admin", "user": {"token": %q}}],
  "contexts": [{"name": "local", "context": {"cluster": "local", "user": "admin"}}],
  "current-context": "local"
}
`, server, base64.StdEncoding.EncodeToString(caPEM), token)
	return os.WriteFile(path, []byte(config), 0o600)
}

func waitReady(server string, caPEM []byte, token string, timeout time.Duration) error {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	client := &http.Client{
		Timeout:   5 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}},
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	last := "no answer yet"
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, server+"/readyz", nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Sprintf("%d %s", resp.StatusCode, body)
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("/readyz did not answer 200 within %s; last answer: %s", timeout, last)
		case <-time.After(250 * time.Millisecond):
		}
	}
}
