package xa

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/xaproxy/xaproxy/integration/harness"
)

// TestEtcdDeploymentClaims: two deployments on one etcd may share neither a
// tag across prefixes nor a prefix across tags; proxies of one deployment
// coexist, and a claim goes with its proxy.
func TestEtcdDeploymentClaims(t *testing.T) {
	t.Parallel()
	etcd := harness.StartEtcd(t)
	ctx := context.Background()
	open := func() *EtcdLog {
		return openEtcdLog(t, EtcdConfig{Endpoints: []string{etcd.Endpoint()}, Prefix: "/claims/", LeaseTTL: 2 * time.Second})
	}
	claim := func(name, prefix, reg string) DeploymentClaim {
		return DeploymentClaim{Tag: DeploymentTag(name), Name: name, Prefix: prefix, Registration: reg}
	}
	a1 := open()
	if err := a1.ClaimDeployment(ctx, claim("/a/", "/a/", "a1.1")); err != nil {
		t.Fatalf("first claim of deployment A: %v", err)
	}
	a2 := open()
	if err := a2.ClaimDeployment(ctx, claim("/a/", "/a/", "a2.1")); err != nil {
		t.Errorf("second proxy of deployment A: %v", err)
	}
	b := open()
	if err := b.ClaimDeployment(ctx, claim("/b/", "/b/", "b1.1")); err != nil {
		t.Errorf("deployment B on its own prefix: %v", err)
	}
	for _, tc := range []struct {
		name string
		c    DeploymentClaim
		want string
	}{
		{"A's tag (a copied coordinator.deployment) with another prefix",
			claim("/a/", "/c/", "c1.1"), `deployment tag ` + DeploymentTag("/a/") + ` (name "/a/") is used by the running proxy a`},
		{"A's prefix with another deployment name",
			claim("other", "/a/", "c2.1"), `etcd prefix "/a/" belongs to the running proxy a`},
	} {
		l := open()
		err := l.ClaimDeployment(ctx, tc.c)
		if !errors.Is(err, ErrDeploymentConflict) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: ClaimDeployment = %v, want a conflict saying %q", tc.name, err, tc.want)
		}
		if got := etcd.GetPrefix(t, DeploymentsKey+tc.c.Tag+"/"+tc.c.Registration); len(got) != 0 {
			t.Errorf("%s: the refused claim was left in etcd: %v", tc.name, got)
		}
	}
	// Claims go with their proxies: once A's are closed (revoked), its tag
	// is free for another prefix.
	for _, l := range []*EtcdLog{a1, a2} {
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := open().ClaimDeployment(ctx, claim("/a/", "/c/", "c1.2")); err != nil {
		t.Errorf("A's tag after A stopped: %v", err)
	}
}

// TestEtcdRegisterChecksDeployment: a log configured with a deployment
// announces it before its first registration; one whose tag a running
// proxy uses with another prefix refuses to register, in the foreground
// and the background, and keeps recovery off.
func TestEtcdRegisterChecksDeployment(t *testing.T) {
	t.Parallel()
	etcd := harness.StartEtcd(t)
	ctx := context.Background()
	open := func(prefix, name string) *EtcdLog {
		return openEtcdLog(t, EtcdConfig{Endpoints: []string{etcd.Endpoint()}, Prefix: prefix, LeaseTTL: 2 * time.Second,
			Deployment: DeploymentClaim{Tag: DeploymentTag(name), Name: name}})
	}
	a := open("/a/", "shop")
	if err := a.DeploymentChecked(); !errors.Is(err, errDeploymentUnchecked) {
		t.Errorf("DeploymentChecked before any registration = %v, want unchecked", err)
	}
	if err := a.Register(ctx, "a1.1"); err != nil {
		t.Fatalf("Register: %v", err)
	}
	if err := a.DeploymentChecked(); err != nil {
		t.Errorf("DeploymentChecked after registering = %v", err)
	}
	if got := etcd.GetPrefix(t, DeploymentsKey); len(got) != 1 {
		t.Errorf("deployment claims in etcd: %v, want A's", got)
	}
	copied := open("/b/", "shop") // the same deployment name, another prefix
	if err := copied.Register(ctx, "b1.1"); !errors.Is(err, ErrDeploymentConflict) {
		t.Errorf("Register of a copied deployment name = %v, want ErrDeploymentConflict", err)
	}
	if err := copied.RegisterInBackground(ctx, "b1.2", nil); !errors.Is(err, ErrDeploymentConflict) {
		t.Errorf("RegisterInBackground of a copied deployment name = %v, want ErrDeploymentConflict", err)
	}
	if err := copied.DeploymentChecked(); !errors.Is(err, ErrDeploymentConflict) {
		t.Errorf("DeploymentChecked after the conflict = %v", err)
	}
	if alive, _ := a.Alive(ctx, "b1.1"); alive {
		t.Error("the refused proxy is registered")
	}
	v := open("/a/", "shop")
	if err := v.VerifyDeployment(ctx); err != nil || v.DeploymentChecked() != nil {
		t.Errorf("VerifyDeployment of A's own identity = %v", err)
	}
}
