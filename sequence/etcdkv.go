package sequence

import (
	"context"
	"fmt"
	"strconv"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// EtcdKV keeps the counters in etcd; versions are the keys' mod revisions.
type EtcdKV struct{ KV clientv3.KV }

func (e EtcdKV) Get(ctx context.Context, key string) (uint64, int64, bool, error) {
	resp, err := e.KV.Get(ctx, key)
	if err != nil {
		return 0, 0, false, err
	}
	if len(resp.Kvs) == 0 {
		return 0, 0, false, nil
	}
	kv := resp.Kvs[0]
	v, err := strconv.ParseUint(string(kv.Value), 10, 64)
	if err != nil {
		return 0, 0, false, fmt.Errorf("counter %s holds %q, not a number", key, kv.Value)
	}
	return v, kv.ModRevision, true, nil
}

func (e EtcdKV) CreateIfAbsent(ctx context.Context, key string, value uint64) (bool, error) {
	resp, err := e.KV.Txn(ctx).
		If(clientv3.Compare(clientv3.CreateRevision(key), "=", 0)).
		Then(clientv3.OpPut(key, strconv.FormatUint(value, 10))).
		Commit()
	if err != nil {
		return false, err
	}
	return resp.Succeeded, nil
}

func (e EtcdKV) CompareAndSwap(ctx context.Context, key string, version int64, value uint64) (bool, error) {
	resp, err := e.KV.Txn(ctx).
		If(clientv3.Compare(clientv3.ModRevision(key), "=", version)).
		Then(clientv3.OpPut(key, strconv.FormatUint(value, 10))).
		Commit()
	if err != nil {
		return false, err
	}
	return resp.Succeeded, nil
}
