package pipeline

import (
	"fmt"
	"math/rand"
	"time"

	"github.com/getgauge-contrib/gauge-go/gauge"
	. "github.com/getgauge-contrib/gauge-go/testsuit"
	"github.com/openshift-pipelines/release-tests/pkg/k8s"
)

// The name a step gave the object a scenario calls by `name`.
func objectName(name string) string {
	if actual, ok := gauge.GetScenarioStore()["name:"+name].(string); ok {
		return actual
	}
	return name
}

var _ = gauge.Step("Create deployment <name> with <replicas> replicas in <namespace>", func(name, replicas, namespace string) {
	client, err := k8s.FromEnv()
	if err != nil {
		T.Fail(err)
	}
	var count int32
	if _, err := fmt.Sscan(replicas, &count); err != nil {
		T.Fail(fmt.Errorf("replicas %q is not a number", replicas))
	}
	// A name of its own, so that runs (and parallel streams) never meet.
	actual := fmt.Sprintf("%s-%06d", name, rand.Intn(1000000))
	gauge.GetScenarioStore()["name:"+name] = actual
	labels := map[string]string{"app": actual}
	deployment := map[string]any{
		"apiVersion": "apps/v1",
		"kind":       "Deployment",
		"metadata":   map[string]any{"name": actual, "labels": labels},
		"spec": map[string]any{
			"replicas": count,
			"selector": map[string]any{"matchLabels": labels},
			"template": map[string]any{
				"metadata": map[string]any{"labels": labels},
				"spec": map[string]any{"containers": []map[string]any{{
					"name":  "echo",
					"image": "registry.access.redhat.com/ubi9/ubi-minimal:latest",
				}}},
			},
		},
	}
	path := fmt.Sprintf("/apis/apps/v1/namespaces/%s/deployments", namespace)
	if err := client.Create(path, deployment, nil); err != nil {
		T.Fail(err)
	}
	k8s.DeleteAfterScenario(path + "/" + actual)
})

var _ = gauge.Step("Deployment <name> in <namespace> becomes available within <seconds> seconds", func(name, namespace, seconds string) {
	client, err := k8s.FromEnv()
	if err != nil {
		T.Fail(err)
	}
	var limit int
	if _, err := fmt.Sscan(seconds, &limit); err != nil {
		T.Fail(fmt.Errorf("seconds %q is not a number", seconds))
	}
	actual := objectName(name)
	deadline := time.Now().Add(time.Duration(limit) * time.Second)
	for {
		var d k8s.Deployment
		if err := client.Get(fmt.Sprintf("/apis/apps/v1/namespaces/%s/deployments/%s", namespace, actual), &d); err != nil {
			T.Fail(err)
		}
		available := false
		for _, c := range d.Status.Conditions {
			available = available || (c.Type == "Available" && c.Status == "True")
		}
		if available && d.Spec.Replicas != nil && d.Status.AvailableReplicas == *d.Spec.Replicas {
			gauge.WriteMessage("deployment %s: %d of %d replicas available", actual, d.Status.AvailableReplicas, *d.Spec.Replicas)
			return
		}
		if time.Now().After(deadline) {
			T.Fail(fmt.Errorf("deployment %s has %d of %d replicas available after %s s", actual, d.Status.AvailableReplicas, *d.Spec.Replicas, seconds))
		}
		time.Sleep(time.Second)
	}
})
