// Package operator holds the steps about what the operator deployed.
package operator

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/getgauge-contrib/gauge-go/gauge"
	. "github.com/getgauge-contrib/gauge-go/testsuit"
	"github.com/openshift-pipelines/release-tests/pkg/k8s"
)

func digestOf(image string) string {
	if at := strings.LastIndex(image, "@"); at >= 0 {
		return image[at+1:]
	}
	return ""
}

// mismatches lists, for every Deployment in namespace, what does not run the image its template
// names: a rollout not finished, a pod not running, or a container whose imageID (the digest the
// node pulled) is not the digest the Deployment asks for.
func mismatches(client *k8s.Client, namespace string) ([]string, int, error) {
	var deployments k8s.List[k8s.Deployment]
	if err := client.Get("/apis/apps/v1/namespaces/"+namespace+"/deployments", &deployments); err != nil {
		return nil, 0, err
	}
	var problems []string
	checked := 0
	for _, d := range deployments.Items {
		if d.Status.ObservedGeneration < d.Meta.Generation || d.Status.UpdatedReplicas != d.Status.Replicas {
			problems = append(problems, fmt.Sprintf("deployment %s is still rolling out", d.Meta.Name))
			continue
		}
		var selector []string
		for k, v := range d.Spec.Selector.MatchLabels {
			selector = append(selector, k+"="+v)
		}
		sort.Strings(selector)
		var pods k8s.List[k8s.Pod]
		path := "/api/v1/namespaces/" + namespace + "/pods?labelSelector=" + strings.Join(selector, ",")
		if err := client.Get(path, &pods); err != nil {
			return nil, 0, err
		}
		wanted := map[string]string{}
		for _, c := range d.Spec.Template.Spec.Containers {
			wanted[c.Name] = c.Image
		}
		running := 0
		for _, pod := range pods.Items {
			if pod.Meta.DeletionTimestamp != nil {
				continue
			}
			if pod.Status.Phase != "Running" {
				problems = append(problems, fmt.Sprintf("pod %s of %s is %s", pod.Meta.Name, d.Meta.Name, pod.Status.Phase))
				continue
			}
			running++
			for _, status := range pod.Status.ContainerStatuses {
				image, ok := wanted[status.Name]
				if !ok {
					continue
				}
				checked++
				want := digestOf(image)
				if want == "" {
					problems = append(problems, fmt.Sprintf("deployment %s runs %s by tag, not by digest", d.Meta.Name, image))
				} else if got := digestOf(status.ImageID); got != want {
					problems = append(problems, fmt.Sprintf("pod %s container %s runs %s, deployment %s asks for %s", pod.Meta.Name, status.Name, got, d.Meta.Name, want))
				}
			}
		}
		if d.Spec.Replicas != nil && int32(running) < *d.Spec.Replicas {
			problems = append(problems, fmt.Sprintf("deployment %s has %d running pods of %d", d.Meta.Name, running, *d.Spec.Replicas))
		}
	}
	return problems, checked, nil
}

var _ = gauge.Step("The Tekton workloads in <namespace> run the images that were deployed", func(namespace string) {
	client, err := k8s.FromEnv()
	if err != nil {
		T.Fail(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		problems, checked, err := mismatches(client, namespace)
		if err != nil {
			T.Fail(err)
		}
		if len(problems) == 0 && checked > 0 {
			gauge.WriteMessage("%d containers in %s run the digests their deployments name", checked, namespace)
			return
		}
		if time.Now().After(deadline) {
			if checked == 0 && len(problems) == 0 {
				T.Fail(fmt.Errorf("no running Tekton workload in %s", namespace))
			}
			T.Fail(fmt.Errorf("%s", strings.Join(problems, "; ")))
		}
		time.Sleep(2 * time.Second)
	}
})
