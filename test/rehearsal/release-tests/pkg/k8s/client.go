// Package k8s is a small client of the Kubernetes API over plain net/http: it reads the
// kubeconfig named by KUBECONFIG (JSON, as the testbed writes it) and sends JSON requests.
// release-tests itself uses client-go; a rehearsal needs only a few calls.
package k8s

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Client talks to one API server as one user.
type Client struct {
	server string
	token  string
	http   *http.Client
}

type kubeconfig struct {
	CurrentContext string `json:"current-context"`
	Clusters       []struct {
		Name    string `json:"name"`
		Cluster struct {
			Server                   string `json:"server"`
			CertificateAuthority     string `json:"certificate-authority"`
			CertificateAuthorityData string `json:"certificate-authority-data"`
			InsecureSkipTLSVerify    bool   `json:"insecure-skip-tls-verify"`
		} `json:"cluster"`
	} `json:"clusters"`
	Users []struct {
		Name string `json:"name"`
		User struct {
			Token                 string `json:"token"`
			TokenFile             string `json:"tokenFile"`
			ClientCertificate     string `json:"client-certificate"`
			ClientCertificateData string `json:"client-certificate-data"`
			ClientKey             string `json:"client-key"`
			ClientKeyData         string `json:"client-key-data"`
		} `json:"user"`
	} `json:"users"`
	Contexts []struct {
		Name    string `json:"name"`
		Context struct {
			Cluster string `json:"cluster"`
			User    string `json:"user"`
		} `json:"context"`
	} `json:"contexts"`
}

// FromEnv reads the kubeconfig named by KUBECONFIG (its first file when it names several).
func FromEnv() (*Client, error) {
	file := strings.Split(os.Getenv("KUBECONFIG"), string(os.PathListSeparator))[0]
	if file == "" {
		return nil, fmt.Errorf("KUBECONFIG is not set: the steps need the cluster's kubeconfig")
	}
	text, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading the kubeconfig: %w", err)
	}
	var config kubeconfig
	if err := json.Unmarshal(text, &config); err != nil {
		return nil, fmt.Errorf("kubeconfig %s is not JSON (these steps read JSON kubeconfigs only): %w", file, err)
	}
	var clusterName, userName string
	for _, c := range config.Contexts {
		if c.Name == config.CurrentContext {
			clusterName, userName = c.Context.Cluster, c.Context.User
		}
	}
	if clusterName == "" {
		return nil, fmt.Errorf("kubeconfig %s has no context %q", file, config.CurrentContext)
	}
	relative := func(path string) string {
		if path == "" || filepath.IsAbs(path) {
			return path
		}
		return filepath.Join(filepath.Dir(file), path)
	}
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	client := &Client{}
	for _, c := range config.Clusters {
		if c.Name != clusterName {
			continue
		}
		client.server = strings.TrimSuffix(c.Cluster.Server, "/")
		tlsConfig.InsecureSkipVerify = c.Cluster.InsecureSkipTLSVerify
		ca, err := dataOrFile(c.Cluster.CertificateAuthorityData, relative(c.Cluster.CertificateAuthority))
		if err != nil {
			return nil, fmt.Errorf("the cluster's CA: %w", err)
		}
		if ca != nil {
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(ca) {
				return nil, fmt.Errorf("the cluster's CA in %s holds no PEM certificate", file)
			}
			tlsConfig.RootCAs = pool
		}
	}
	if client.server == "" {
		return nil, fmt.Errorf("kubeconfig %s has no cluster %q", file, clusterName)
	}
	for _, u := range config.Users {
		if u.Name != userName {
			continue
		}
		client.token = u.User.Token
		if u.User.TokenFile != "" {
			token, err := os.ReadFile(relative(u.User.TokenFile))
			if err != nil {
				return nil, fmt.Errorf("the user's token file: %w", err)
			}
			client.token = strings.TrimSpace(string(token))
		}
		cert, err := dataOrFile(u.User.ClientCertificateData, relative(u.User.ClientCertificate))
		if err != nil {
			return nil, fmt.Errorf("the user's client certificate: %w", err)
		}
		key, err := dataOrFile(u.User.ClientKeyData, relative(u.User.ClientKey))
		if err != nil {
			return nil, fmt.Errorf("the user's client key: %w", err)
		}
		if cert != nil && key != nil {
			pair, err := tls.X509KeyPair(cert, key)
			if err != nil {
				return nil, fmt.Errorf("the user's client certificate and key: %w", err)
			}
			tlsConfig.Certificates = []tls.Certificate{pair}
		}
	}
	client.http = &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{TLSClientConfig: tlsConfig, Proxy: http.ProxyFromEnvironment},
	}
	return client, nil
}

func dataOrFile(data, file string) ([]byte, error) {
	if data != "" {
		return base64.StdEncoding.DecodeString(data)
	}
	if file != "" {
		return os.ReadFile(file)
	}
	return nil, nil
}

// StatusError is an answer other than 2xx.
type StatusError struct {
	Method, Path string
	Code         int
	Body         string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s %s: HTTP %d: %s", e.Method, e.Path, e.Code, strings.TrimSpace(e.Body))
}

// IsNotFound tells a 404 answer.
func IsNotFound(err error) bool {
	status, ok := err.(*StatusError)
	return ok && status.Code == http.StatusNotFound
}

// Do sends body (when not nil) as JSON and decodes the answer into out (when not nil).
func (c *Client) Do(method, path string, body, out any) error {
	var reader io.Reader
	if body != nil {
		text, err := json.Marshal(body)
		if err != nil {
			return err
		}
		reader = bytes.NewReader(text)
	}
	request, err := http.NewRequest(method, c.server+path, reader)
	if err != nil {
		return err
	}
	request.Header.Set("Accept", "application/json")
	if body != nil {
		request.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		request.Header.Set("Authorization", "Bearer "+c.token)
	}
	response, err := c.http.Do(request)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer response.Body.Close()
	text, err := io.ReadAll(response.Body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if response.StatusCode/100 != 2 {
		return &StatusError{Method: method, Path: path, Code: response.StatusCode, Body: string(text)}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(text, out); err != nil {
		return fmt.Errorf("%s %s: the answer is not the JSON expected: %w", method, path, err)
	}
	return nil
}

// Get decodes the object at path into out.
func (c *Client) Get(path string, out any) error { return c.Do(http.MethodGet, path, nil, out) }

// Create posts object to the collection at path.
func (c *Client) Create(path string, object, out any) error {
	return c.Do(http.MethodPost, path, object, out)
}

// Delete deletes the object at path in the background; a missing object is no error.
func (c *Client) Delete(path string) error {
	err := c.Do(http.MethodDelete, path, map[string]any{
		"apiVersion": "v1", "kind": "DeleteOptions", "propagationPolicy": "Background",
	}, nil)
	if IsNotFound(err) {
		return nil
	}
	return err
}
