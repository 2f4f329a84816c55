package k8s

// The few fields of the objects the steps read.

// Meta is an object's metadata.
type Meta struct {
	Name              string            `json:"name"`
	Namespace         string            `json:"namespace,omitempty"`
	Labels            map[string]string `json:"labels,omitempty"`
	Annotations       map[string]string `json:"annotations,omitempty"`
	Generation        int64             `json:"generation,omitempty"`
	DeletionTimestamp *string           `json:"deletionTimestamp,omitempty"`
}

// Container is a pod template's container.
type Container struct {
	Name  string `json:"name"`
	Image string `json:"image"`
}

// PodSpec is the part of a pod's spec the steps read.
type PodSpec struct {
	Containers []Container `json:"containers"`
}

// Deployment is an apps/v1 Deployment.
type Deployment struct {
	Meta Meta `json:"metadata"`
	Spec struct {
		Replicas *int32 `json:"replicas,omitempty"`
		Selector struct {
			MatchLabels map[string]string `json:"matchLabels"`
		} `json:"selector"`
		Template struct {
			Meta Meta    `json:"metadata"`
			Spec PodSpec `json:"spec"`
		} `json:"template"`
	} `json:"spec"`
	Status struct {
		ObservedGeneration int64 `json:"observedGeneration"`
		Replicas           int32 `json:"replicas"`
		UpdatedReplicas    int32 `json:"updatedReplicas"`
		AvailableReplicas  int32 `json:"availableReplicas"`
		Conditions         []struct {
			Type   string `json:"type"`
			Status string `json:"status"`
		} `json:"conditions"`
	} `json:"status"`
}

// Pod is a v1 Pod.
type Pod struct {
	Meta   Meta    `json:"metadata"`
	Spec   PodSpec `json:"spec"`
	Status struct {
		Phase             string `json:"phase"`
		ContainerStatuses []struct {
			Name    string `json:"name"`
			Image   string `json:"image"`
			ImageID string `json:"imageID"`
			Ready   bool   `json:"ready"`
		} `json:"containerStatuses"`
	} `json:"status"`
}

// List is any list of objects.
type List[T any] struct {
	Items []T `json:"items"`
}
