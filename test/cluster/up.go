package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// serviceClusterIP is the first address of the Service range, which the API server gives the
// "kubernetes" Service; its serving certificate names it, as a real cluster's does.
const (
	serviceRange     = "10.96.0.0/16"
	serviceClusterIP = "10.96.0.1"
)

// auditPolicy records every write to CronJobs and Jobs with the objects (what `jobguard audit`
// replays and where the API server puts jobguard's audit annotations), deletes at Metadata, and
// nothing else, so the log holds only what the suite reads.
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: RequestResponse
    verbs: [create, update, patch]
    resources:
      - group: batch
        resources: [cronjobs, jobs]
  - level: Metadata
    verbs: [delete, deletecollection]
    resources:
      - group: batch
        resources: [cronjobs, jobs]
  - level: None
`

// controllers are the kube-controller-manager controllers the suite needs: the CronJob controller
// (whose Jobs the chart's matchCondition recognises), the Job controller, and the ServiceAccount
// controller (every namespace gets its "default" ServiceAccount, so Job pods can be created).
const controllers = "cronjob-controller,job-controller,serviceaccount-controller"

// clusterInfo is written to DIR/cluster.json once every component is ready.
type clusterInfo struct {
	Server          string  `json:"server"`
	Kubeconfig      string  `json:"kubeconfig"`
	CAFile          string  `json:"caFile"`
	CAKeyFile       string  `json:"caKeyFile"`
	AuditLog        string  `json:"auditLog"`
	LogDir          string  `json:"logDir"`
	Pid             int     `json:"pid"`
	StartupSeconds  float64 `json:"startupSeconds"`
	KubernetesMinor string  `json:"kubernetesVersion"`
}

type component struct {
	name string
	cmd  *exec.Cmd
	done chan error
}

// runUp starts etcd, kube-apiserver and kube-controller-manager on loopback under DIR, writes
// DIR/admin.kubeconfig and DIR/cluster.json, prints "ready" and runs until SIGTERM or SIGINT, or
// until a component dies; then it stops the others (SIGTERM, then SIGKILL after a grace period).
// Every component is a child of this process and is killed with it (Pdeathsig).
func runUp(args []string) int {
	flags := flag.NewFlagSet("up", flag.ContinueOnError)
	dir := flags.String("dir", "", "directory for certificates, etcd data, logs, the audit log and kubeconfigs")
	timeout := flags.Duration("timeout", 3*time.Minute, "how long the components may take to become ready")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "up: --dir is required")
		return 2
	}
	started := time.Now()
	root, err := filepath.Abs(*dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "up:", err)
		return 2
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	go stopWithParent(stop)

	var running []*component
	code := func() int {
		info, err := up(root, *timeout, stop, &running)
		if err != nil {
			fmt.Fprintln(os.Stderr, "up:", err)
			return 1
		}
		info.StartupSeconds = time.Since(started).Seconds()
		info.Pid = os.Getpid()
		text, _ := json.MarshalIndent(info, "", "  ")
		if err := os.WriteFile(filepath.Join(root, "cluster.json"), text, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "up:", err)
			return 1
		}
		fmt.Printf("ready in %.1f s: KUBECONFIG=%s\n", info.StartupSeconds, info.Kubeconfig)
		return supervise(running, stop)
	}()
	shutdown(running)
	return code
}

func up(root string, timeout time.Duration, stop <-chan os.Signal, running *[]*component) (*clusterInfo, error) {
	for _, sub := range []string{"logs", "etcd"} {
		if err := os.MkdirAll(filepath.Join(root, sub), 0o700); err != nil {
			return nil, err
		}
	}
	certs, err := createPKI(filepath.Join(root, "pki"))
	if err != nil {
		return nil, fmt.Errorf("certificates: %w", err)
	}
	auditPolicyFile := filepath.Join(root, "audit-policy.yaml")
	if err := os.WriteFile(auditPolicyFile, []byte(auditPolicy), 0o644); err != nil {
		return nil, err
	}
	ports, err := freePorts(4)
	if err != nil {
		return nil, err
	}
	etcdPort, peerPort, apiPort, kcmPort := ports[0], ports[1], ports[2], ports[3]
	server := "https://127.0.0.1:" + strconv.Itoa(apiPort)
	admin := filepath.Join(root, "admin.kubeconfig")
	controllerManager := filepath.Join(root, "controller-manager.kubeconfig")
	if err := writeKubeconfig(admin, server, certs.path("ca.crt"), certs.path("admin.crt"), certs.path("admin.key")); err != nil {
		return nil, err
	}
	if err := writeKubeconfig(controllerManager, server, certs.path("ca.crt"), certs.path("controller-manager.crt"), certs.path("controller-manager.key")); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(timeout)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	go func() {
		select {
		case <-stop:
			cancel()
		case <-ctx.Done():
		}
	}()

	etcdURL := "http://127.0.0.1:" + strconv.Itoa(etcdPort)
	etcd, err := start(root, "etcd", "--data-dir="+filepath.Join(root, "etcd"), "--listen-client-url="+etcdURL,
		"--listen-peer-url=http://127.0.0.1:"+strconv.Itoa(peerPort))
	if err != nil {
		return nil, err
	}
	*running = append(*running, etcd)
	if err := waitHealthy(ctx, etcd, http.DefaultClient, etcdURL+"/health"); err != nil {
		return nil, err
	}

	apiserver, err := start(root, "kube-apiserver",
		"--etcd-servers="+etcdURL,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port="+strconv.Itoa(apiPort),
		"--tls-cert-file="+certs.path("apiserver.crt"),
		"--tls-private-key-file="+certs.path("apiserver.key"),
		"--client-ca-file="+certs.path("ca.crt"),
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file="+certs.path("sa.pub"),
		"--service-account-signing-key-file="+certs.path("sa.key"),
		"--service-cluster-ip-range="+serviceRange,
		"--authorization-mode=RBAC",
		// Pod templates with privileged containers are valid on real clusters; the default (false) would reject them.
		"--allow-privileged=true",
		"--audit-policy-file="+auditPolicyFile,
		"--audit-log-path="+filepath.Join(root, "audit.log"),
		"--audit-log-format=json",
		// The "kubernetes" Service's endpoint would be 127.0.0.1, which Endpoints may not hold; nothing here needs it.
		"--endpoint-reconciler-type=none",
		"--cert-dir="+filepath.Join(root, "apiserver-certs"),
		"--profiling=false",
	)
	if err != nil {
		return nil, err
	}
	*running = append(*running, apiserver)
	adminClient, err := tlsClient(certs.path("ca.crt"), certs.path("admin.crt"), certs.path("admin.key"))
	if err != nil {
		return nil, err
	}
	if err := waitHealthy(ctx, apiserver, adminClient, server+"/readyz"); err != nil {
		return nil, err
	}

	kcm, err := start(root, "kube-controller-manager",
		"--kubeconfig="+controllerManager,
		"--authentication-kubeconfig="+controllerManager,
		"--authorization-kubeconfig="+controllerManager,
		// This API server has no front proxy: no request-header CA to look up for the controller manager's own port.
		"--authentication-skip-lookup=true",
		"--controllers="+controllers,
		// Each controller gets its own ServiceAccount token (system:serviceaccount:kube-system:cronjob-controller, …).
		"--use-service-account-credentials=true",
		"--root-ca-file="+certs.path("ca.crt"),
		"--leader-elect=false",
		"--bind-address=127.0.0.1",
		"--secure-port="+strconv.Itoa(kcmPort),
		"--cert-dir="+filepath.Join(root, "controller-manager-certs"),
		"--profiling=false",
	)
	if err != nil {
		return nil, err
	}
	*running = append(*running, kcm)
	// kube-controller-manager serves a certificate of its own making; only its health is read here.
	insecure := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	if err := waitHealthy(ctx, kcm, insecure, "https://127.0.0.1:"+strconv.Itoa(kcmPort)+"/healthz"); err != nil {
		return nil, err
	}
	return &clusterInfo{
		Server:          server,
		Kubeconfig:      admin,
		CAFile:          certs.path("ca.crt"),
		AuditLog:        filepath.Join(root, "audit.log"),
		LogDir:          filepath.Join(root, "logs"),
		KubernetesMinor: kubernetesVersion(),
	}, nil
}

// start runs this same binary with a component's subcommand, its output in DIR/logs/NAME.log.
func start(root, name string, args ...string) (*component, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	logFile, err := os.Create(filepath.Join(root, "logs", name+".log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, append([]string{name}, args...)...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	// Dies with this process even when it is killed without a chance to stop its children.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	c := &component{name: name, cmd: cmd, done: make(chan error, 1)}
	go func() {
		c.done <- cmd.Wait()
		logFile.Close()
	}()
	return c, nil
}

func waitHealthy(ctx context.Context, c *component, client *http.Client, url string) error {
	for {
		request, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		response, err := client.Do(request)
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(response.Body, 4096))
			response.Body.Close()
			if response.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("HTTP %d: %s", response.StatusCode, strings.TrimSpace(string(body)))
		}
		select {
		case exit := <-c.done:
			c.done <- exit
			return fmt.Errorf("%s exited before it was ready (%v); see logs/%s.log", c.name, exit, c.name)
		case <-ctx.Done():
			return fmt.Errorf("%s not ready at %s: %v", c.name, url, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// stopWithParent asks for a stop when the process that started this one is gone (it was killed
// without a chance to stop us, e.g. a test runner ended by a timeout): a cluster nobody can reach
// must not outlive its test run.
func stopWithParent(stop chan<- os.Signal) {
	parent := os.Getppid()
	for {
		time.Sleep(500 * time.Millisecond)
		if os.Getppid() != parent {
			fmt.Fprintln(os.Stderr, "up: parent process gone; stopping")
			stop <- syscall.SIGTERM
			return
		}
	}
}

// supervise waits for a signal (exit 0) or for a component to die (exit 1).
func supervise(running []*component, stop <-chan os.Signal) int {
	died := make(chan string, len(running))
	for _, c := range running {
		go func(c *component) {
			exit := <-c.done
			c.done <- exit
			died <- fmt.Sprintf("%s exited (%v)", c.name, exit)
		}(c)
	}
	select {
	case <-stop:
		return 0
	case message := <-died:
		fmt.Fprintln(os.Stderr, "up:", message)
		return 1
	}
}

// shutdown stops the components in reverse start order: SIGTERM, then SIGKILL after 10 s.
func shutdown(running []*component) {
	for i := len(running) - 1; i >= 0; i-- {
		c := running[i]
		_ = c.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case exit := <-c.done:
			c.done <- exit
		case <-time.After(10 * time.Second):
			_ = c.cmd.Process.Kill()
			<-c.done
		}
	}
}

func freePorts(n int) ([]int, error) {
	listeners := make([]net.Listener, 0, n)
	defer func() {
		for _, l := range listeners {
			l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		listeners = append(listeners, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func tlsClient(caFile, certFile, keyFile string) (*http.Client, error) {
	caPEM, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caPEM) {
		return nil, errors.New("no certificate in " + caFile)
	}
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, err
	}
	return &http.Client{
		Timeout:   5 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, Certificates: []tls.Certificate{pair}}},
	}, nil
}

// writeKubeconfig writes a kubeconfig with one cluster, one client-certificate user and one context.
func writeKubeconfig(file, server, caFile, certFile, keyFile string) error {
	text := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
  - name: jobguard-cluster
    cluster:
      server: %s
      certificate-authority: %s
users:
  - name: user
    user:
      client-certificate: %s
      client-key: %s
contexts:
  - name: jobguard-cluster
    context:
      cluster: jobguard-cluster
      user: user
current-context: jobguard-cluster
`, server, caFile, certFile, keyFile)
	return os.WriteFile(file, []byte(text), 0o600)
}
