package xa

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// DeploymentsKey is where running proxies announce which deployment uses
// which etcd prefix: <DeploymentsKey><tag>/<registration>, bound to a lease.
// It lies outside every deployment's own prefix, so that deployments that
// share one etcd cluster see each other's claims.
const DeploymentsKey = "/xaproxy-deployments/"

// ErrDeploymentConflict: another running proxy uses this deployment's tag
// with another etcd prefix, or this prefix with another tag.
var ErrDeploymentConflict = errors.New("xa: deployment identity conflict")

// DeploymentClaim is what a running proxy announces about its deployment.
type DeploymentClaim struct {
	Tag          string `json:"tag"`          // DeploymentTag(Name)
	Name         string `json:"name"`         // coordinator.deployment or the prefix
	Prefix       string `json:"prefix"`       // the etcd prefix of its decisions
	Registration string `json:"registration"` // the announcing run (Incarnation)
}

// conflict says why o, another proxy's claim, cannot run beside c.
func (c DeploymentClaim) conflict(o DeploymentClaim) error {
	switch {
	case o.Tag == c.Tag && o.Prefix != c.Prefix:
		return fmt.Errorf("%w: deployment tag %s (name %q) is used by the running proxy %s with etcd prefix %q, and this proxy would use it with prefix %q: "+
			"the two deployments would finish each other's XA branches. Give one of them another coordinator.deployment",
			ErrDeploymentConflict, c.Tag, o.Name, o.Registration, o.Prefix, c.Prefix)
	case o.Prefix == c.Prefix && o.Tag != c.Tag:
		return fmt.Errorf("%w: etcd prefix %q belongs to the running proxy %s of deployment %q (tag %s), and this proxy computed deployment %q (tag %s): "+
			"proxies sharing a prefix must name the same deployment (set coordinator.deployment identically on all of them, or on none)",
			ErrDeploymentConflict, c.Prefix, o.Registration, o.Name, o.Tag, c.Name, c.Tag)
	}
	return nil
}

// CheckDeployment reads the claims of every running proxy and returns an
// error wrapping ErrDeploymentConflict if one of them cannot run beside c.
func (l *EtcdLog) CheckDeployment(ctx context.Context, c DeploymentClaim) error {
	if l.isClosed() {
		return ErrClosed
	}
	gctx, cancel := l.reqCtx(ctx)
	resp, err := l.kv.Get(gctx, DeploymentsKey, clientv3.WithPrefix())
	cancel()
	if err != nil {
		return fmt.Errorf("xa: read deployment claims: %w", err)
	}
	for _, kv := range resp.Kvs {
		var o DeploymentClaim
		if err := json.Unmarshal(kv.Value, &o); err != nil {
			l.log.Warn("skipping undecodable deployment claim", "key", string(kv.Key), "err", err)
			continue
		}
		if o.Registration == c.Registration {
			continue
		}
		if err := c.conflict(o); err != nil {
			return err
		}
	}
	return nil
}

// ClaimDeployment checks c against the running proxies' claims, then
// announces it under a lease kept alive until Close, and checks again: two
// conflicting proxies that start together both see the other and refuse.
func (l *EtcdLog) ClaimDeployment(ctx context.Context, c DeploymentClaim) error {
	if err := l.CheckDeployment(ctx, c); err != nil {
		return err
	}
	key := DeploymentsKey + c.Tag + "/" + c.Registration
	if strings.ContainsAny(c.Tag+c.Registration, "/") {
		return fmt.Errorf("%w: deployment claim %q", ErrInvalid, key)
	}
	val, err := json.Marshal(c)
	if err != nil {
		return err
	}
	gctx, cancel := l.reqCtx(ctx)
	g, err := l.cli.Grant(gctx, int64(l.ttl.Seconds()))
	cancel()
	if err != nil {
		return fmt.Errorf("xa: deployment claim: grant lease: %w", err)
	}
	pctx, cancel := l.reqCtx(ctx)
	_, err = l.kv.Put(pctx, key, string(val), clientv3.WithLease(g.ID))
	cancel()
	if err != nil {
		l.revoke(ctx, c.Registration, g.ID)
		return fmt.Errorf("xa: deployment claim: put %s: %w", key, err)
	}
	if err := l.CheckDeployment(ctx, c); err != nil {
		l.revoke(ctx, c.Registration, g.ID)
		return err
	}
	l.keepClaim(key, g.ID)
	return nil
}

// keepClaim keeps the claim's lease alive until Close, which revokes it.
// If the lease is lost (a long outage) the claim is gone until the next
// start: it only serves the start-up check.
func (l *EtcdLog) keepClaim(key string, lease clientv3.LeaseID) {
	kctx, cancel := context.WithCancel(context.Background())
	ch, err := l.cli.KeepAlive(kctx, lease)
	if err != nil {
		cancel()
		l.log.Warn("deployment claim not kept alive; it expires", "key", key, "err", err)
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		cancel()
		return
	}
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		defer cancel()
		for {
			select {
			case <-l.closing:
				l.revoke(context.Background(), key, lease)
				return
			case _, ok := <-ch:
				if !ok {
					l.log.Warn("deployment claim lease lost; the claim is gone until the next start", "key", key)
					<-l.closing
					return
				}
			}
		}
	}()
}

// errDeploymentUnchecked: the deployment's identity has not been checked
// in etcd yet (etcd has not answered since the start).
var errDeploymentUnchecked = errors.New("xa: this deployment's identity has not been checked in etcd yet (etcd has not answered since the start); recovery waits for it")

// deploymentCheck is the state of an EtcdLog's deployment claim.
type deploymentCheck struct {
	claim DeploymentClaim // Tag "" : no identity to check

	mu   sync.Mutex
	done bool  // checked (and, for a serving proxy, announced)
	err  error // a conflict: final
}

func newDeploymentCheck(c DeploymentClaim, prefix string) *deploymentCheck {
	c.Prefix = prefix
	return &deploymentCheck{claim: c}
}

// claimDeployment announces the deployment once, before the first
// registration of registration. A conflict is final.
func (l *EtcdLog) claimDeployment(ctx context.Context, registration string) error {
	return l.checkDeploymentOnce(func(c DeploymentClaim) error {
		c.Registration = registration
		return l.ClaimDeployment(ctx, c)
	})
}

// VerifyDeployment checks the deployment's identity against the running
// proxies without announcing it (for the recover command, which does not
// register).
func (l *EtcdLog) VerifyDeployment(ctx context.Context) error {
	return l.checkDeploymentOnce(func(c DeploymentClaim) error { return l.CheckDeployment(ctx, c) })
}

func (l *EtcdLog) checkDeploymentOnce(check func(DeploymentClaim) error) error {
	d := l.deploy
	if d.claim.Tag == "" {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.done || d.err != nil {
		return d.err
	}
	err := check(d.claim)
	switch {
	case err == nil:
		d.done = true
	case errors.Is(err, ErrDeploymentConflict):
		d.err = err
		l.log.Error("deployment identity conflict", "err", err)
	}
	return err
}

// DeploymentChecked is nil once the deployment's identity was checked in
// etcd without conflict (or there is none to check); else why recovery must
// not act yet, or at all.
func (l *EtcdLog) DeploymentChecked() error {
	d := l.deploy
	if d.claim.Tag == "" {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case d.err != nil:
		return d.err
	case !d.done:
		return errDeploymentUnchecked
	}
	return nil
}
