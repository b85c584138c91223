package sequence

import (
	"context"
	"sync"
)

// MemKV is a KV in memory, for a proxy without etcd (one proxy: its
// counters start again from the tables' highest ids after a restart) and
// for tests. Safe for concurrent use.
type MemKV struct {
	mu   sync.Mutex
	vals map[string]memVal
}

type memVal struct {
	v   uint64
	ver int64
}

// NewMemKV returns an empty MemKV.
func NewMemKV() *MemKV { return &MemKV{vals: map[string]memVal{}} }

func (m *MemKV) Get(_ context.Context, key string) (uint64, int64, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.vals[key]
	return v.v, v.ver, ok, nil
}

func (m *MemKV) CreateIfAbsent(_ context.Context, key string, value uint64) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.vals[key]; ok {
		return false, nil
	}
	m.vals[key] = memVal{v: value, ver: 1}
	return true, nil
}

func (m *MemKV) CompareAndSwap(_ context.Context, key string, version int64, value uint64) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, ok := m.vals[key]
	if !ok || cur.ver != version {
		return false, nil
	}
	m.vals[key] = memVal{v: value, ver: cur.ver + 1}
	return true, nil
}
