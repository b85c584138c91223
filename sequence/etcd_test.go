package sequence

import (
	"context"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/xaproxy/xaproxy/integration/harness"
)

// TestEtcdKV runs the allocators on a real etcd, and checks that a new
// allocator (a restarted proxy) continues after the blocks of the old one.
func TestEtcdKV(t *testing.T) {
	etcd := harness.StartEtcd(t)
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{etcd.Endpoint()}, DialTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	kv := EtcdKV{KV: cli.KV}
	checkUnique(t, kv)

	ctx := context.Background()
	a := New(kv, "/crash/", 100)
	first, err := a.Next(ctx, "db", "t", 1, 0, func(context.Context) (uint64, error) { return 9, nil })
	if err != nil || first != 10 {
		t.Fatalf("first id %d, %v; want 10 (above the table's 9)", first, err)
	}
	// The proxy dies: ids 11..109 of its block are never given.
	b := New(kv, "/crash/", 100)
	first, err = b.Next(ctx, "db", "t", 1, 0, nil)
	if err != nil || first != 110 {
		t.Fatalf("after a crash: %d, %v; want 110", first, err)
	}
	if ok, err := kv.CreateIfAbsent(ctx, "/crash/db/t", 0); ok || err != nil {
		t.Fatalf("CreateIfAbsent over an existing counter: %v, %v", ok, err)
	}
}
