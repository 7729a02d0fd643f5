package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/component-base/cli"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
)

// programs are the subcommands: each the command of the release's own main package
// (cmd/kube-controller-manager/controller-manager.go, cmd/kube-scheduler/scheduler.go), run by
// cli.Run as there.
var programs = map[string]func() *cobra.Command{
	"kube-controller-manager": controllermanager.NewControllerManagerCommand,
	"kube-scheduler":          func() *cobra.Command { return scheduler.NewSchedulerCommand() },
}

// runProgram runs one subcommand. Started by the control plane with a pipe on stdin, it stops
// (SIGTERM to itself, which the command's own signal handler turns into a clean shutdown) when
// that pipe closes, so it never outlives the control plane that started it.
func runProgram(newCommand func() *cobra.Command, args []string) int {
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
	}()
	command := newCommand()
	command.SetArgs(args)
	return cli.Run(command)
}

// controllers the function check needs (docs/server-check.md), by the names of
// cmd/kube-controller-manager/names/controller_names.go. An explicit list rather than the default
// "*": what runs does not change with the release's defaults, and controllers that need a cloud,
// a CIDR allocator or a kubelet (node-ipam, node-lifecycle, cloud-node-lifecycle, service-lb,
// attach-detach) stay off; KWOK plays the kubelet.
var controllers = []string{
	"deployment-controller",
	"replicaset-controller",
	"statefulset-controller",
	"daemonset-controller",
	"job-controller",
	"cronjob-controller",
	"ttl-after-finished-controller",
	"endpoints-controller",
	"endpointslice-controller",
	"endpointslice-mirroring-controller",
	"serviceaccount-controller",
	"serviceaccount-token-controller",
	"root-ca-certificate-publisher-controller",
	"namespace-controller",
	"garbage-collector-controller",
	"pod-garbage-collector-controller",
	"resourcequota-controller",
	"clusterrole-aggregation-controller",
	"persistentvolume-binder-controller",
	"persistentvolume-expander-controller",
	"persistentvolumeclaim-protection-controller",
	"persistentvolume-protection-controller",
	"disruption-controller",
}

// childArgs is the command line of one subcommand against this control plane. Each uses the
// admin kubeconfig to start; the controller-manager then acts as each controller's own
// ServiceAccount (--use-service-account-credentials), so the release's RBAC for controllers
// (system:controller:*) is what decides, as in a cluster. Neither serves HTTPS (--secure-port=0):
// nothing scrapes them, and a fixed port could collide with another run.
func childArgs(name, dir, kubeconfig string) []string {
	common := []string{
		"--kubeconfig=" + kubeconfig,
		"--leader-elect=false",
		"--secure-port=0",
		"--v=1",
	}
	switch name {
	case "kube-controller-manager":
		return append(common,
			"--controllers="+strings.Join(controllers, ","),
			"--use-service-account-credentials=true",
			"--service-account-private-key-file="+filepath.Join(dir, "sa.key"),
			"--root-ca-file="+filepath.Join(dir, "ca.crt"),
			"--cluster-name=server-check",
			// Seconds, not the default minutes: a check waits for these.
			"--concurrent-gc-syncs=5",
			"--node-monitor-grace-period=40s",
		)
	default:
		return common
	}
}

// child is one subcommand running as its own process.
type child struct {
	name    string
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	exited  chan struct{}
	stopped atomic.Bool
	stop    sync.Once
}

// startChild runs this binary again with a subcommand; its output goes to <dir>/<name>.log. If it
// exits by itself, a line `EXITED <name> <reason>; log: <path>` on stdout tells the parent.
func startChild(dir, name string, args []string) (*child, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, append([]string{name}, args...)...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	stdin, err := cmd.StdinPipe()
	if err != nil {
		logFile.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	c := &child{name: name, cmd: cmd, stdin: stdin, exited: make(chan struct{})}
	go func() {
		err := cmd.Wait()
		logFile.Close()
		if !c.stopped.Load() {
			fmt.Printf("EXITED %s %v; log: %s\n", name, err, logPath)
		}
		close(c.exited)
	}()
	return c, nil
}

// stopChildren ends the subcommands: their stdin closes, then SIGTERM, then SIGKILL after 20 s.
// Calling it again waits for the same ends.
func stopChildren(children []*child) {
	for _, c := range children {
		c.stop.Do(func() {
			c.stopped.Store(true)
			_ = c.stdin.Close()
			_ = c.cmd.Process.Signal(syscall.SIGTERM)
		})
	}
	for _, c := range children {
		select {
		case <-c.exited:
		case <-time.After(20 * time.Second):
			_ = c.cmd.Process.Kill()
			<-c.exited
		}
	}
}
