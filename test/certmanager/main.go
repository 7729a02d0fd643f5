// A small cert-manager controller for the operators check (docs/server-check.md, "Operators"):
// cert-manager v1.21's own controllers, from its importable packages, run against a local API
// server so that each certificate the environment's Gateways ask for is really issued into a TLS
// Secret. cert-manager's own main package (cmd/controller, module
// github.com/cert-manager/cert-manager/controller-binary) is a nested module the module proxy does not
// serve, so this is a stripped-down copy of its start-up
// (cert-manager v1.21.1 cmd/controller/main.go, cmd/controller/app/start.go and
// cmd/controller/app/controller.go Run and buildControllerContextFactory): the same
// controller.NewContextFactory, the same registry (controller.Known, filled by each controller
// package's init), the same Run(workers, ctx) per controller and the same informer factories
// started after them. Left out: leader election, the metrics, healthz and pprof servers, the
// configuration file, and every controller and issuer this check does not need (ACME, CA, Vault,
// Venafi and the cloud DNS solvers are not even linked in).
//
// What runs (names as upstream's --controllers flag spells them):
//   - gateway-shim: a Certificate for each Secret a TLS listener of an annotated Gateway refers to
//     (pkg/controller/certificate-shim/gateways, sync.go of its parent);
//   - certificates-trigger, -key-manager, -request-manager, -issuing, -readiness: the Certificate
//     life cycle, from the private key to the issued Secret and the Ready condition
//     (pkg/controller/certificates/...);
//   - certificaterequests-approver: approves every CertificateRequest (in a cluster the webhook
//     checks the requester may use the issuer first; no webhook runs here);
//   - certificaterequests-issuer-selfsigned: signs CertificateRequests whose issuer is selfSigned;
//   - issuers, clusterissuers: set the issuers' Ready condition, which the CertificateRequest
//     controllers wait for (pkg/controller/certificaterequests/sync.go "IssuerNotReady").
//
// The issuer behind them is selfSigned (pkg/issuer/selfsigned): the check's stand-in for an ACME
// issuer, which cannot be answered offline.
//
// Flags: --kubeconfig (required), --cluster-resource-namespace, --workers, --max-lifetime,
// --exit-with-stdin, and klog's -v. SIGTERM or SIGINT stop the controllers and the process exits 0.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/klog/v2"

	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	"github.com/cert-manager/cert-manager/pkg/controller"
	shimgateways "github.com/cert-manager/cert-manager/pkg/controller/certificate-shim/gateways"
	crapprover "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/approver"
	crselfsigned "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/selfsigned"
	"github.com/cert-manager/cert-manager/pkg/controller/certificates/issuing"
	"github.com/cert-manager/cert-manager/pkg/controller/certificates/keymanager"
	"github.com/cert-manager/cert-manager/pkg/controller/certificates/readiness"
	"github.com/cert-manager/cert-manager/pkg/controller/certificates/requestmanager"
	"github.com/cert-manager/cert-manager/pkg/controller/certificates/trigger"
	"github.com/cert-manager/cert-manager/pkg/controller/clusterissuers"
	"github.com/cert-manager/cert-manager/pkg/controller/issuers"
	logf "github.com/cert-manager/cert-manager/pkg/logs"

	// The selfSigned issuer's Setup (sets the Ready condition of a selfSigned Issuer or
	// ClusterIssuer), registered by the package's init with pkg/issuer.
	_ "github.com/cert-manager/cert-manager/pkg/issuer/selfsigned"
)

// The controllers this runner starts, as registered by the packages above.
var enabled = []string{
	shimgateways.ControllerName,
	trigger.ControllerName,
	keymanager.ControllerName,
	requestmanager.ControllerName,
	issuing.ControllerName,
	readiness.ControllerName,
	crapprover.ControllerName,
	crselfsigned.CRControllerName,
	issuers.ControllerName,
	clusterissuers.ControllerName,
}

func main() {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig of the API server to act on (required)")
	clusterResourceNamespace := flag.String("cluster-resource-namespace", "kube-system", "namespace of the Secrets ClusterIssuers refer to (upstream's default)")
	workers := flag.Int("workers", 5, "workers per controller (upstream's --concurrent-workers default)")
	maxLifetime := flag.Duration("max-lifetime", 0, "stop after this long (0: never)")
	exitWithStdin := flag.Bool("exit-with-stdin", false, "stop when standard input closes (the parent went away)")
	klog.InitFlags(flag.CommandLine)
	flag.Parse()
	if *kubeconfig == "" {
		fmt.Fprintln(os.Stderr, "certmanager: --kubeconfig is required")
		os.Exit(2)
	}

	logf.InitLogs()
	defer logf.FlushLogs()

	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer cancel()
	if *maxLifetime > 0 {
		var stopLifetime context.CancelFunc
		ctx, stopLifetime = context.WithTimeout(ctx, *maxLifetime)
		defer stopLifetime()
	}
	if *exitWithStdin {
		go func() {
			_, _ = io.Copy(io.Discard, bufio.NewReader(os.Stdin))
			cancel()
		}()
	}
	ctx = logf.NewContext(ctx, logf.Log, "controller")

	if err := run(ctx, *kubeconfig, *clusterResourceNamespace, *workers); err != nil {
		fmt.Fprintf(os.Stderr, "certmanager: %v\n", err)
		logf.FlushLogs()
		os.Exit(1)
	}
	fmt.Println("STOPPED")
}

// run is cmd/controller/app/controller.go Run without leader election and servers.
func run(rootCtx context.Context, kubeconfig, clusterResourceNamespace string, workers int) error {
	rootCtx, cancelContext := context.WithCancel(rootCtx)
	defer cancelContext()
	log := logf.FromContext(rootCtx)
	g, rootCtx := errgroup.WithContext(rootCtx)

	// The options upstream's defaults give (internal/apis/config/controller/v1alpha1/defaults.go),
	// with the Gateway API on (--enable-gateway-api) and nothing of ACME's.
	ctxFactory, err := controller.NewContextFactory(rootCtx, controller.ContextOptions{
		Kubeconfig:         kubeconfig,
		KubernetesAPIQPS:   20,
		KubernetesAPIBurst: 50,
		IssuerOptions: controller.IssuerOptions{
			ClusterResourceNamespace:        clusterResourceNamespace,
			ClusterIssuerAmbientCredentials: true,
			IssuerAmbientCredentials:        false,
		},
		IngressShimOptions: controller.IngressShimOptions{
			DefaultIssuerKind:                 cmapi.IssuerKind,
			DefaultIssuerGroup:                "cert-manager.io",
			DefaultAutoCertificateAnnotations: []string{"kubernetes.io/tls-acme"},
			ExtraCertificateAnnotations:       []string{},
			GatewayAPIExtraProtocols:          sets.New[string](),
		},
		CertificateOptions: controller.CertificateOptions{
			EnableOwnerRef:                           false,
			CopiedAnnotationPrefixes:                 []string{"*", "-kubectl.kubernetes.io/", "-fluxcd.io/", "-argocd.argoproj.io/"},
			CertificateRequestMinimumBackoffDuration: time.Hour,
			CertificateRequestMaximumBackoffDuration: 32 * time.Hour,
		},
		ConfigOptions: controller.ConfigOptions{EnableGatewayAPI: true},
	})
	if err != nil {
		return err
	}
	ctx, err := ctxFactory.Build()
	if err != nil {
		return err
	}

	known := controller.Known()
	names := make([]string, 0, len(enabled))
	for _, name := range enabled {
		if _, ok := known[name]; !ok {
			return fmt.Errorf("controller %q is not registered (its package is not linked in?)", name)
		}
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		iface, err := known[name](ctxFactory)
		if err != nil {
			cancelContext()
			return errors.Join(fmt.Errorf("error starting controller %s: %w", name, err), g.Wait())
		}
		g.Go(func() error {
			log.V(logf.InfoLevel).Info("starting controller", "controller", name)
			return iface.Run(workers, rootCtx)
		})
	}

	ctx.SharedInformerFactory.Start(rootCtx.Done())
	ctx.KubeSharedInformerFactory.Start(rootCtx.Done())
	ctx.HTTP01ResourceMetadataInformersFactory.Start(rootCtx.Done())
	ctx.GWShared.Start(rootCtx.Done())
	fmt.Printf("RUNNING %v\n", names)

	err = g.Wait()
	ctx.GWShared.Shutdown()
	ctx.HTTP01ResourceMetadataInformersFactory.Shutdown()
	ctx.KubeSharedInformerFactory.Shutdown()
	ctx.SharedInformerFactory.Shutdown()
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
