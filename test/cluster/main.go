// Command kube-cluster is one binary holding a Kubernetes control plane for jobguard's cluster
// suite: embedded etcd, kube-apiserver, kube-controller-manager and kubectl, built from one
// Kubernetes release. One binary links the shared packages once (the way hyperkube once did),
// which keeps a cold build on a small CI machine within its budget.
package main

import (
	"fmt"
	"os"
	_ "time/tzdata" // CronJob time zones, as the upstream mains import it

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	name := os.Args[1]
	os.Args = append([]string{os.Args[0]}, os.Args[2:]...)
	switch name {
	case "kube-apiserver":
		os.Exit(cli.Run(apiserver.NewAPIServerCommand()))
	case "kube-controller-manager":
		os.Exit(cli.Run(controllermanager.NewControllerManagerCommand()))
	case "kubectl":
		runKubectl()
	case "up":
		os.Exit(runUp(os.Args[1:]))
	case "version":
		fmt.Println(kubernetesVersion())
	case "etcd":
		os.Exit(runEtcd(os.Args[1:]))
	default:
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
}

const usage = `usage: kube-cluster COMMAND [ARGS...]
commands:
  up --dir DIR              start etcd, kube-apiserver and kube-controller-manager on 127.0.0.1,
                            write DIR/admin.kubeconfig and DIR/cluster.json, run until SIGTERM
  version                   the Kubernetes release this binary was built from
  etcd                      run embedded etcd
  kube-apiserver ARGS       the kube-apiserver command
  kube-controller-manager   the kube-controller-manager command
  kubectl ARGS              the kubectl command`
