// Package oci reads a file out of an image in a registry over the registry API (manifest →
// layer blobs → tar), with the registry credentials the steps get from their environment:
//
//	REHEARSAL_REGISTRY           host[:port] of the registry the cluster pulls from, as reachable
//	                             from here (OpenShift: the internal registry's route); prefix
//	                             http:// for a registry without TLS
//	REHEARSAL_REGISTRY_USER      user name (with a route: any name)
//	REHEARSAL_REGISTRY_PASSWORD  password or token
//
// An image reference's host is replaced by REHEARSAL_REGISTRY: the cluster names images by
// the internal registry's service address, which is not reachable from outside the cluster.
package oci

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"runtime"
	"strings"
	"time"
)

// Registry is where images are read from.
type Registry struct {
	base     string
	user     string
	password string
	token    string
	http     *http.Client
}

// FromEnv reads the registry's address and credentials from the environment.
func FromEnv() (*Registry, error) {
	host := os.Getenv("REHEARSAL_REGISTRY")
	if host == "" {
		return nil, fmt.Errorf("REHEARSAL_REGISTRY is not set: the step needs the registry the cluster pulls from")
	}
	base := host
	if !strings.HasPrefix(host, "http://") && !strings.HasPrefix(host, "https://") {
		base = "https://" + host
	}
	return &Registry{
		base:     strings.TrimSuffix(base, "/"),
		user:     os.Getenv("REHEARSAL_REGISTRY_USER"),
		password: os.Getenv("REHEARSAL_REGISTRY_PASSWORD"),
		http:     &http.Client{Timeout: 60 * time.Second},
	}, nil
}

const (
	ociManifest     = "application/vnd.oci.image.manifest.v1+json"
	ociIndex        = "application/vnd.oci.image.index.v1+json"
	dockerManifest  = "application/vnd.docker.distribution.manifest.v2+json"
	dockerList      = "application/vnd.docker.distribution.manifest.list.v2+json"
	acceptManifests = ociManifest + ", " + ociIndex + ", " + dockerManifest + ", " + dockerList
)

type descriptor struct {
	MediaType string `json:"mediaType"`
	Digest    string `json:"digest"`
	Platform  *struct {
		OS           string `json:"os"`
		Architecture string `json:"architecture"`
	} `json:"platform,omitempty"`
}

type manifest struct {
	MediaType string       `json:"mediaType"`
	Manifests []descriptor `json:"manifests"`
	Layers    []descriptor `json:"layers"`
}

// Repository and digest (or tag) of an image reference, without its host.
func splitReference(ref string) (repository, reference string, err error) {
	slash := strings.Index(ref, "/")
	if slash < 0 {
		return "", "", fmt.Errorf("image %q names no registry host", ref)
	}
	rest := ref[slash+1:]
	if at := strings.Index(rest, "@"); at >= 0 {
		return rest[:at], rest[at+1:], nil
	}
	if colon := strings.LastIndex(rest, ":"); colon > strings.LastIndex(rest, "/") {
		return rest[:colon], rest[colon+1:], nil
	}
	return rest, "latest", nil
}

// ReadFile returns the content of file (an absolute path in the image's file system) as the
// image's top-most layer holding it has it.
func (r *Registry) ReadFile(image, file string) ([]byte, error) {
	repository, reference, err := splitReference(image)
	if err != nil {
		return nil, err
	}
	m, err := r.manifest(repository, reference)
	if err != nil {
		return nil, err
	}
	if len(m.Manifests) > 0 {
		chosen := ""
		for _, d := range m.Manifests {
			if d.Platform != nil && d.Platform.OS == "linux" && d.Platform.Architecture == runtime.GOARCH {
				chosen = d.Digest
			}
		}
		if chosen == "" {
			return nil, fmt.Errorf("image %s has no linux/%s image in its index", image, runtime.GOARCH)
		}
		if m, err = r.manifest(repository, chosen); err != nil {
			return nil, err
		}
	}
	want := strings.TrimPrefix(path.Clean(file), "/")
	for i := len(m.Layers) - 1; i >= 0; i-- {
		content, found, err := r.findInLayer(repository, m.Layers[i], want)
		if err != nil {
			return nil, fmt.Errorf("image %s, layer %s: %w", image, m.Layers[i].Digest, err)
		}
		if found {
			return content, nil
		}
	}
	return nil, fmt.Errorf("image %s holds no %s", image, file)
}

func (r *Registry) manifest(repository, reference string) (*manifest, error) {
	body, err := r.get(fmt.Sprintf("/v2/%s/manifests/%s", repository, reference), acceptManifests)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	var m manifest
	if err := json.NewDecoder(body).Decode(&m); err != nil {
		return nil, fmt.Errorf("manifest %s@%s: %w", repository, reference, err)
	}
	return &m, nil
}

func (r *Registry) findInLayer(repository string, layer descriptor, want string) ([]byte, bool, error) {
	body, err := r.get(fmt.Sprintf("/v2/%s/blobs/%s", repository, layer.Digest), "")
	if err != nil {
		return nil, false, err
	}
	defer body.Close()
	buffered := bufio.NewReader(body)
	var stream io.Reader = buffered
	if magic, _ := buffered.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		unzipped, err := gzip.NewReader(buffered)
		if err != nil {
			return nil, false, err
		}
		stream = unzipped
	}
	archive := tar.NewReader(stream)
	for {
		header, err := archive.Next()
		if err == io.EOF {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, err
		}
		if strings.TrimPrefix(path.Clean("/"+header.Name), "/") != want {
			continue
		}
		if header.Typeflag != tar.TypeReg {
			return nil, false, fmt.Errorf("%s is not a regular file in the layer", want)
		}
		content, err := io.ReadAll(archive)
		return content, true, err
	}
}

// get answers a registry's Bearer challenge with a token got with the credentials; a registry
// asking for Basic authentication gets them directly.
func (r *Registry) get(p, accept string) (io.ReadCloser, error) {
	for attempt := 0; ; attempt++ {
		request, err := http.NewRequest(http.MethodGet, r.base+p, nil)
		if err != nil {
			return nil, err
		}
		if accept != "" {
			request.Header.Set("Accept", accept)
		}
		if r.token != "" {
			request.Header.Set("Authorization", "Bearer "+r.token)
		} else if r.user != "" || r.password != "" {
			request.SetBasicAuth(r.user, r.password)
		}
		response, err := r.http.Do(request)
		if err != nil {
			return nil, fmt.Errorf("GET %s: %w", p, err)
		}
		if response.StatusCode == http.StatusOK {
			return response.Body, nil
		}
		text, _ := io.ReadAll(io.LimitReader(response.Body, 4096))
		response.Body.Close()
		challenge := response.Header.Get("WWW-Authenticate")
		if response.StatusCode == http.StatusUnauthorized && attempt == 0 && strings.HasPrefix(challenge, "Bearer ") {
			if err := r.fetchToken(challenge); err != nil {
				return nil, err
			}
			continue
		}
		return nil, fmt.Errorf("GET %s: HTTP %d: %s", p, response.StatusCode, strings.TrimSpace(string(text)))
	}
}

func (r *Registry) fetchToken(challenge string) error {
	params := map[string]string{}
	for _, part := range strings.Split(strings.TrimPrefix(challenge, "Bearer "), ",") {
		if k, v, ok := strings.Cut(strings.TrimSpace(part), "="); ok {
			params[k] = strings.Trim(v, `"`)
		}
	}
	realm, err := url.Parse(params["realm"])
	if err != nil || params["realm"] == "" {
		return fmt.Errorf("the registry's challenge names no token realm: %s", challenge)
	}
	query := realm.Query()
	for _, k := range []string{"service", "scope"} {
		if params[k] != "" {
			query.Set(k, params[k])
		}
	}
	realm.RawQuery = query.Encode()
	request, err := http.NewRequest(http.MethodGet, realm.String(), nil)
	if err != nil {
		return err
	}
	request.SetBasicAuth(r.user, r.password)
	response, err := r.http.Do(request)
	if err != nil {
		return fmt.Errorf("registry token: %w", err)
	}
	defer response.Body.Close()
	if response.StatusCode != http.StatusOK {
		return fmt.Errorf("registry token: HTTP %d", response.StatusCode)
	}
	var answer struct {
		Token       string `json:"token"`
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(response.Body).Decode(&answer); err != nil {
		return fmt.Errorf("registry token: %w", err)
	}
	r.token = answer.Token
	if r.token == "" {
		r.token = answer.AccessToken
	}
	return nil
}
