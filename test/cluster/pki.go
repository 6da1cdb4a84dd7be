package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// keyPair is a certificate with its key, kept in memory to sign others and written as PEM files.
type keyPair struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

// certRequest names what a certificate is for. Organizations become Kubernetes groups when the
// certificate authenticates a client (O=system:masters is the admin group).
type certRequest struct {
	commonName    string
	organizations []string
	dnsNames      []string
	ips           []net.IP
	server        bool
	client        bool
}

// certValidity is long enough for any suite run and short enough that a leaked test key is worthless.
const certValidity = 7 * 24 * time.Hour

func newSerial() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
}

// newCA creates a self-signed P-256 certificate authority.
func newCA(commonName string) (*keyPair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	template := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: commonName},
		NotBefore:             now.Add(-time.Minute),
		NotAfter:              now.Add(certValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &keyPair{cert: cert, key: key}, nil
}

// issue signs a leaf certificate for the request with this CA.
func (ca *keyPair) issue(request certRequest) (*keyPair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	var usages []x509.ExtKeyUsage
	if request.server {
		usages = append(usages, x509.ExtKeyUsageServerAuth)
	}
	if request.client {
		usages = append(usages, x509.ExtKeyUsageClientAuth)
	}
	now := time.Now()
	template := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: request.commonName, Organization: request.organizations},
		DNSNames:     request.dnsNames,
		IPAddresses:  request.ips,
		NotBefore:    now.Add(-time.Minute),
		NotAfter:     now.Add(certValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  usages,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &keyPair{cert: cert, key: key}, nil
}

func certPEM(cert *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
}

func keyPEM(key *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), nil
}

func publicKeyPEM(key *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// write stores NAME.crt and NAME.key in dir (the key readable by the owner only).
func (pair *keyPair) write(dir, name string) error {
	key, err := keyPEM(pair.key)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, name+".crt"), certPEM(pair.cert), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, name+".key"), key, 0o600)
}

// pki is every credential the control plane needs, written under dir.
type pki struct {
	dir string
}

func (p pki) path(name string) string { return filepath.Join(p.dir, name) }

// createPKI writes the cluster CA, the API server's serving certificate for 127.0.0.1, client
// certificates for the admin (system:masters) and for kube-controller-manager (its own identity,
// which it uses only to mint per-controller service-account tokens), and the service-account
// signing key pair.
func createPKI(dir string) (pki, error) {
	p := pki{dir: dir}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return p, err
	}
	ca, err := newCA("jobguard-cluster-ca")
	if err != nil {
		return p, err
	}
	if err := os.WriteFile(p.path("ca.crt"), certPEM(ca.cert), 0o644); err != nil {
		return p, err
	}
	leaves := map[string]certRequest{
		"apiserver": {
			commonName: "kube-apiserver",
			dnsNames:   []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"},
			ips:        []net.IP{net.IPv4(127, 0, 0, 1), net.ParseIP(serviceClusterIP)},
			server:     true,
		},
		"admin":              {commonName: "jobguard-cluster-admin", organizations: []string{"system:masters"}, client: true},
		"controller-manager": {commonName: "system:kube-controller-manager", client: true},
	}
	for name, request := range leaves {
		pair, err := ca.issue(request)
		if err != nil {
			return p, fmt.Errorf("%s certificate: %w", name, err)
		}
		if err := pair.write(dir, name); err != nil {
			return p, err
		}
	}
	signing, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return p, err
	}
	private, err := keyPEM(signing)
	if err != nil {
		return p, err
	}
	public, err := publicKeyPEM(signing)
	if err != nil {
		return p, err
	}
	if err := os.WriteFile(p.path("sa.key"), private, 0o600); err != nil {
		return p, err
	}
	return p, os.WriteFile(p.path("sa.pub"), public, 0o644)
}
