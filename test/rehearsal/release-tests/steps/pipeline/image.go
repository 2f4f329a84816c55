// Package pipeline holds the steps about Tekton Pipelines.
package pipeline

import (
	"bufio"
	"bytes"
	"fmt"
	"path"
	"strings"

	"github.com/getgauge-contrib/gauge-go/gauge"
	. "github.com/getgauge-contrib/gauge-go/testsuit"
	"github.com/openshift-pipelines/release-tests/pkg/k8s"
	"github.com/openshift-pipelines/release-tests/pkg/oci"
)

// KoDataPath is where ko puts a main package's kodata/ directory in the image.
const KoDataPath = "/var/run/ko"

// A `key: value` file (the subset of YAML a config map's data is): values unquoted.
func settings(text []byte) map[string]string {
	values := map[string]string{}
	scanner := bufio.NewScanner(bytes.NewReader(text))
	for scanner.Scan() {
		line := strings.TrimSpace(scanner.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if key, value, ok := strings.Cut(line, ":"); ok {
			values[strings.TrimSpace(key)] = strings.Trim(strings.TrimSpace(value), `"'`)
		}
	}
	return values
}

var _ = gauge.Step("The image of deployment <deployment> in <namespace> ships <file> with <key> set to <value>",
	func(deployment, namespace, file, key, want string) {
		client, err := k8s.FromEnv()
		if err != nil {
			T.Fail(err)
		}
		var d k8s.Deployment
		if err := client.Get(fmt.Sprintf("/apis/apps/v1/namespaces/%s/deployments/%s", namespace, deployment), &d); err != nil {
			T.Fail(err)
		}
		if len(d.Spec.Template.Spec.Containers) == 0 {
			T.Fail(fmt.Errorf("deployment %s has no containers", deployment))
		}
		image := d.Spec.Template.Spec.Containers[0].Image
		registry, err := oci.FromEnv()
		if err != nil {
			T.Fail(err)
		}
		content, err := registry.ReadFile(image, path.Join(KoDataPath, file))
		if err != nil {
			T.Fail(err)
		}
		got, ok := settings(content)[key]
		if !ok {
			T.Fail(fmt.Errorf("%s in the image of %s sets no %s", file, deployment, key))
		}
		if got != want {
			T.Fail(fmt.Errorf("the image of %s (%s) ships %s with %s: %q, expected %q", deployment, image, file, key, got, want))
		}
	})
