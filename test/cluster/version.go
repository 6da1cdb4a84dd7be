package main

import "k8s.io/component-base/version"

// kubernetesVersion is the release the binary was built from, as kubectl version reports it.
func kubernetesVersion() string {
	return version.Get().GitVersion
}
