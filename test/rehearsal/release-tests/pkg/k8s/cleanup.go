package k8s

import (
	"fmt"
	"os"
	"sync"

	"github.com/getgauge-contrib/gauge-go/gauge"
	m "github.com/getgauge-contrib/gauge-go/gauge_messages"
	"github.com/getgauge-contrib/gauge-go/testsuit"
)

var (
	mu       sync.Mutex
	toDelete []string
)

// DeleteAfterScenario deletes the object at path when the scenario ends, whatever its outcome.
func DeleteAfterScenario(path string) {
	mu.Lock()
	defer mu.Unlock()
	toDelete = append(toDelete, path)
}

var _ = gauge.AfterScenario(func(*m.ExecutionInfo) {
	mu.Lock()
	paths := toDelete
	toDelete = nil
	mu.Unlock()
	if len(paths) == 0 {
		return
	}
	client, err := FromEnv()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	for _, path := range paths {
		if err := client.Delete(path); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
}, []string{}, testsuit.AND)
