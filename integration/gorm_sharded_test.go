package integration

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	gormmysql "gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/xaproxy/xaproxy/integration/harness"
)

// The models of TestGORMSharded: users sharded by id, their orders and
// order items by user_id (the same algorithm and shards: co-located, so a
// user's rows are on one shard), products broadcast. Every sharded table
// has an AUTO_INCREMENT id that the proxy's sequence gives.
//
// GORM creates a foreign key for each association. All of these hold on
// each shard on its own, so the proxy accepts them: orders.user_id and
// order_items.user_id are the shard keys and name the user's shard key
// (id); order_items (order_id, user_id) names the order's (id, user_id),
// whose user_id is the order's shard key; products is on every shard.
type gsUser struct {
	ID     uint   `gorm:"primaryKey"`
	Name   string `gorm:"size:40;index"`
	Age    int
	Orders []gsOrder `gorm:"foreignKey:UserID"`
}

func (gsUser) TableName() string { return "gs_users" }

type gsOrder struct {
	ID     uint   `gorm:"primaryKey;uniqueIndex:gs_order_user,priority:1"`
	UserID uint   `gorm:"index;uniqueIndex:gs_order_user,priority:2"`
	Status string `gorm:"size:20"`
	// The items carry their order's user_id (their shard key): a composite
	// foreign key fills both from the order.
	Items []gsItem `gorm:"foreignKey:OrderID,UserID;references:ID,UserID"`
}

func (gsOrder) TableName() string { return "gs_orders" }

type gsItem struct {
	ID        uint `gorm:"primaryKey"`
	OrderID   uint
	UserID    uint
	ProductID uint
	Product   gsProduct
	Qty       int
}

func (gsItem) TableName() string { return "gs_order_items" }

// gsProduct is broadcast: a broadcast table cannot have an AUTO_INCREMENT
// column (each copy would count on its own), so its ids are explicit.
type gsProduct struct {
	ID    uint   `gorm:"primaryKey;autoIncrement:false"`
	Name  string `gorm:"size:40"`
	Price int
}

func (gsProduct) TableName() string { return "gs_products" }

// gsCoupon is sharded by its own id and belongs to a user: its foreign key
// (user_id -> gs_users.id) does not pair the shard keys, a coupon's user
// may be on another shard, each shard's check would fail where one
// server's passes. The proxy refuses it; without GORM's foreign keys
// (DisableForeignKeyConstraintWhenMigrating) the table is created.
type gsCoupon struct {
	ID     uint `gorm:"primaryKey"`
	UserID uint
	User   gsUser
	Code   string `gorm:"size:20"`
}

func (gsCoupon) TableName() string { return "gs_coupons" }

// gsUserV2 is gs_users in the application's next version: AutoMigrate
// adds a column and its index (ALTER TABLE, CREATE INDEX on every shard).
type gsUserV2 struct {
	ID    uint   `gorm:"primaryKey"`
	Name  string `gorm:"size:40;index"`
	Age   int
	Email string `gorm:"size:80;index"`
}

func (gsUserV2) TableName() string { return "gs_users" }

// gsAddress has gorm.Model: timestamps GORM sets and reads back
// (DATETIME(3)), soft delete (deleted_at) with its IS NULL conditions.
type gsAddress struct {
	gorm.Model
	UserID uint
	City   string `gorm:"size:40"`
}

func (gsAddress) TableName() string { return "gs_addresses" }

// idLabels names generated ids by creation order ("u1", "o3"), per table:
// the proxy's sequence and MariaDB's counter give different values, the
// runs are compared by shape. An id given twice in a table is an error.
type idLabels struct {
	t     *testing.T
	who   string
	names map[string]map[uint]string
}

func (l *idLabels) add(prefix string, id uint) {
	if l.names == nil {
		l.names = map[string]map[uint]string{}
	}
	m := l.names[prefix]
	if m == nil {
		m = map[uint]string{}
		l.names[prefix] = m
	}
	if id == 0 {
		l.t.Errorf("%s: a created %s row has no id", l.who, prefix)
		return
	}
	if old, dup := m[id]; dup {
		l.t.Errorf("%s: id %d given twice in %s (%s)", l.who, id, prefix, old)
		return
	}
	m[id] = fmt.Sprintf("%s%d", prefix, len(m)+1)
}

func (l *idLabels) name(prefix string, id uint) string {
	if n, ok := l.names[prefix][id]; ok {
		return n
	}
	return fmt.Sprintf("%s?%d", prefix, id)
}

func (l *idLabels) user(u gsUser) {
	l.add("u", u.ID)
	for _, o := range u.Orders {
		l.order(o)
	}
}

func (l *idLabels) order(o gsOrder) {
	l.add("o", o.ID)
	for _, it := range o.Items {
		l.add("i", it.ID)
	}
}

// show describes users with their preloaded orders and items by labels.
func (l *idLabels) show(users []gsUser) string {
	var b strings.Builder
	for _, u := range users {
		fmt.Fprintf(&b, "[%s %s %d:", l.name("u", u.ID), u.Name, u.Age)
		for _, o := range u.Orders {
			fmt.Fprintf(&b, " (%s %s user=%s", l.name("o", o.ID), o.Status, l.name("u", o.UserID))
			for _, it := range o.Items {
				fmt.Fprintf(&b, " {%s order=%s user=%s %s x%d}", l.name("i", it.ID), l.name("o", it.OrderID), l.name("u", it.UserID), it.Product.Name, it.Qty)
			}
			b.WriteString(")")
		}
		b.WriteString("]")
	}
	return b.String()
}

func gsOrders(status string, products ...uint) gsOrder {
	o := gsOrder{Status: status}
	for i, p := range products {
		o.Items = append(o.Items, gsItem{ProductID: p, Qty: i + 1})
	}
	return o
}

// gormShardedTrial runs the same GORM code on db and describes what it saw,
// one line per operation, ids by label. pair returns two users the
// two-shard transactions touch.
func gormShardedTrial(t *testing.T, who string, db *gorm.DB) (lines []string, pair [2]uint) {
	t.Helper()
	lab := &idLabels{t: t, who: who}
	out := func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) }
	errText := func(err error) string {
		if err == nil {
			return "ok"
		}
		return retErrLine(err)
	}
	models := []any{&gsProduct{}, &gsUser{}, &gsOrder{}, &gsItem{}}
	out("automigrate: %s", errText(db.AutoMigrate(models...)))
	// An application's next start: the tables exist, GORM reads their
	// columns, indexes and constraints and changes nothing.
	out("automigrate again: %s", errText(db.AutoMigrate(models...)))

	products := []gsProduct{{ID: 1, Name: "pen", Price: 3}, {ID: 2, Name: "ink", Price: 7}, {ID: 3, Name: "pad", Price: 5}}
	res := db.Create(&products)
	out("create products: %s affected=%d", errText(res.Error), res.RowsAffected)

	alice := gsUser{Name: "alice", Age: 30, Orders: []gsOrder{gsOrders("new", 1, 2), gsOrders("paid", 3)}}
	res = db.Create(&alice)
	out("create alice with orders: %s affected=%d", errText(res.Error), res.RowsAffected)
	lab.user(alice)

	users := []gsUser{
		{Name: "bob", Age: 41, Orders: []gsOrder{gsOrders("new", 2)}},
		{Name: "carol", Age: 25},
		{Name: "dave", Age: 37, Orders: []gsOrder{gsOrders("paid", 1, 3), gsOrders("new", 2, 2, 1)}},
		{Name: "erin", Age: 52, Orders: []gsOrder{gsOrders("new", 3)}},
		{Name: "frank", Age: 19},
	}
	res = db.CreateInBatches(&users, 2)
	out("create users in batches: %s affected=%d", errText(res.Error), res.RowsAffected)
	for _, u := range users {
		lab.user(u)
	}

	// Each created model holds its own row's id.
	all := append([]gsUser{alice}, users...)
	for _, u := range all {
		var got gsUser
		if err := db.Preload("Orders.Items").First(&got, u.ID).Error; err != nil {
			out("reload %s: %s", lab.name("u", u.ID), errText(err))
			continue
		}
		same := got.Name == u.Name && len(got.Orders) == len(u.Orders)
		for i := 0; same && i < len(got.Orders); i++ {
			same = got.Orders[i].ID == u.Orders[i].ID && got.Orders[i].Status == u.Orders[i].Status &&
				len(got.Orders[i].Items) == len(u.Orders[i].Items)
			for j := 0; same && j < len(got.Orders[i].Items); j++ {
				a, b := got.Orders[i].Items[j], u.Orders[i].Items[j]
				same = a.ID == b.ID && a.OrderID == b.OrderID && a.UserID == u.ID && a.ProductID == b.ProductID && a.Qty == b.Qty
			}
		}
		if !same {
			out("reload %s: the created model's ids do not name its rows: created %+v, stored %+v", lab.name("u", u.ID), u, got)
		}
	}

	var one gsUser
	err := db.Where("name = ?", "dave").First(&one).Error
	out("first dave: %s %s", errText(err), lab.show([]gsUser{one}))
	var some []gsUser
	err = db.Where("age > ?", 30).Order("age desc").Find(&some).Error
	out("find age > 30: %s %s", errText(err), lab.show(some))
	var byID []gsUser
	err = db.Find(&byID, []uint{alice.ID, users[2].ID, users[4].ID}).Error
	sort.Slice(byID, func(i, j int) bool { return byID[i].ID < byID[j].ID })
	out("find by ids: %s %s", errText(err), lab.show(byID))
	var n int64
	err = db.Model(&gsOrder{}).Where("status = ?", "new").Count(&n).Error
	out("count new orders: %s %d", errText(err), n)

	var preloaded []gsUser
	err = db.Preload("Orders", func(db *gorm.DB) *gorm.DB { return db.Order("id") }).
		Preload("Orders.Items", func(db *gorm.DB) *gorm.DB { return db.Order("id") }).
		Preload("Orders.Items.Product").Order("id").Find(&preloaded).Error
	out("preload: %s %s", errText(err), lab.show(preloaded))

	res = db.Model(&alice).Updates(gsUser{Age: 31, Name: "alicia"})
	out("updates alice: %s affected=%d", errText(res.Error), res.RowsAffected)
	res = db.Model(&gsOrder{}).Where("status = ?", "paid").Update("status", "shipped")
	out("update paid orders: %s affected=%d", errText(res.Error), res.RowsAffected)
	res = db.Delete(&gsItem{}, users[2].Orders[1].Items[0].ID)
	out("delete item: %s affected=%d", errText(res.Error), res.RowsAffected)
	res = db.Delete(&users[4])
	out("delete frank: %s affected=%d", errText(res.Error), res.RowsAffected)
	// Alice has orders: the foreign key refuses, as on one server.
	res = db.Delete(&gsUser{}, alice.ID)
	out("delete alice: %s affected=%d", errText(res.Error), res.RowsAffected)

	// Two users on different shards (the proxy's ids alternate shards by
	// parity): one transaction, committed (two-phase), then one that fails.
	a, b := alice, users[0]
	pair = [2]uint{a.ID, b.ID}
	var txOrder gsOrder
	err = db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&gsUser{}).Where("id = ?", a.ID).Update("age", gorm.Expr("age + ?", 10)).Error; err != nil {
			return err
		}
		txOrder = gsOrders("tx", 1)
		txOrder.UserID = b.ID
		if err := tx.Create(&txOrder).Error; err != nil {
			return err
		}
		return tx.Model(&gsUser{}).Where("id = ?", b.ID).Update("age", gorm.Expr("age + ?", 1)).Error
	})
	out("two-shard transaction: %s", errText(err))
	lab.order(txOrder)
	var undone gsOrder
	err = db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&gsUser{}).Where("id IN ?", []uint{a.ID, b.ID}).Update("age", 0).Error; err != nil {
			return err
		}
		undone = gsOrders("undone", 2)
		undone.UserID = a.ID
		if err := tx.Create(&undone).Error; err != nil {
			return err
		}
		return errors.New("undo")
	})
	out("two-shard rollback: %v", err)
	lab.order(undone)

	// A nested transaction (SAVEPOINT) rolled back inside a committed one.
	var outer, inner gsOrder
	err = db.Transaction(func(tx *gorm.DB) error {
		outer = gsOrder{UserID: a.ID, Status: "outer"}
		if err := tx.Create(&outer).Error; err != nil {
			return err
		}
		nerr := tx.Transaction(func(tx2 *gorm.DB) error {
			inner = gsOrder{UserID: b.ID, Status: "inner"}
			if err := tx2.Create(&inner).Error; err != nil {
				return err
			}
			if err := tx2.Model(&gsUser{}).Where("id = ?", a.ID).Update("age", 99).Error; err != nil {
				return err
			}
			return errors.New("undo inner")
		})
		out("nested transaction: %v", nerr)
		return tx.Model(&gsUser{}).Where("id = ?", b.ID).Update("name", "bobby").Error
	})
	out("outer transaction: %s", errText(err))
	lab.order(outer)
	lab.order(inner)

	// The application's next version: a new column and index.
	out("automigrate v2: %s", errText(db.AutoMigrate(&gsUserV2{})))
	v2 := gsUserV2{Name: "gina", Age: 28, Email: "g@example.com"}
	err = db.Create(&v2).Error
	lab.add("u", v2.ID)
	out("create v2: %s %s", errText(err), lab.name("u", v2.ID))
	var v2s []gsUserV2
	err = db.Where("email IS NOT NULL OR id IN ?", []uint{a.ID, b.ID}).Order("id").Find(&v2s).Error
	for _, u := range v2s {
		out("  v2 %s %s %q", lab.name("u", u.ID), u.Name, u.Email)
	}
	out("find v2: %s %d", errText(err), len(v2s))
	// Save of a loaded row: UPDATE of every column.
	if len(v2s) > 0 {
		v2s[0].Email = "saved@example.com"
		res = db.Save(&v2s[0])
		out("save: %s affected=%d", errText(res.Error), res.RowsAffected)
	}

	// Upserts: new rows (generated ids) and a loaded row (its id).
	ups := []gsUserV2{{Name: "hank", Age: 60}, {Name: "ivy", Age: 33}}
	res = db.Clauses(clause.OnConflict{UpdateAll: true}).Create(&ups)
	out("upsert new: %s affected=%d", errText(res.Error), res.RowsAffected)
	for _, u := range ups {
		lab.add("u", u.ID)
	}
	ups[0].Age = 61
	res = db.Clauses(clause.OnConflict{UpdateAll: true}).Create(&ups[0])
	out("upsert existing: %s affected=%d %s", errText(res.Error), res.RowsAffected, lab.name("u", ups[0].ID))

	// gorm.Model: timestamps and soft delete.
	out("automigrate addresses: %s", errText(db.AutoMigrate(&gsAddress{})))
	addrs := []gsAddress{{UserID: a.ID, City: "Oslo"}, {UserID: b.ID, City: "Lima"}, {UserID: a.ID, City: "Pune"}}
	res = db.Create(&addrs)
	out("create addresses: %s affected=%d", errText(res.Error), res.RowsAffected)
	for _, ad := range addrs {
		lab.add("a", ad.ID)
		var back gsAddress
		if err := db.First(&back, ad.ID).Error; err != nil {
			out("reload address: %s", errText(err))
		} else if !back.CreatedAt.Equal(ad.CreatedAt.Truncate(time.Millisecond)) && !back.CreatedAt.Equal(ad.CreatedAt.Round(time.Millisecond)) {
			out("address %s: created_at %v stored as %v", lab.name("a", ad.ID), ad.CreatedAt, back.CreatedAt)
		}
	}
	res = db.Delete(&addrs[0])
	out("soft delete: %s affected=%d", errText(res.Error), res.RowsAffected)
	res = db.Where("city = ?", "Lima").Delete(&gsAddress{})
	out("soft delete where: %s affected=%d", errText(res.Error), res.RowsAffected)
	var live, every []gsAddress
	err = db.Order("id").Find(&live).Error
	out("live addresses: %s %d", errText(err), len(live))
	err = db.Unscoped().Order("id").Find(&every).Error
	for _, ad := range every {
		out("  address %s user=%s %s deleted=%v", lab.name("a", ad.ID), lab.name("u", ad.UserID), ad.City, ad.DeletedAt.Valid)
	}
	res = db.Unscoped().Where("user_id = ?", a.ID).Delete(&gsAddress{})
	out("hard delete: %s affected=%d", errText(res.Error), res.RowsAffected)

	var final []gsUser
	err = db.Preload("Orders", func(db *gorm.DB) *gorm.DB { return db.Order("id") }).
		Preload("Orders.Items", func(db *gorm.DB) *gorm.DB { return db.Order("id") }).
		Preload("Orders.Items.Product").Order("id").Find(&final).Error
	out("final: %s %s", errText(err), lab.show(final))
	return lines, pair
}

// TestGORMSharded: GORM with gorm.io/driver/mysql on a sharded schema.
// AutoMigrate creates the tables through the proxy (AUTO_INCREMENT on
// sharded tables, indexes, the associations' foreign keys) and again finds
// them as they should be; creates with associations (single and in
// batches, INSERT ... ON DUPLICATE KEY UPDATE ... RETURNING over generated
// ids), finds, nested preloads (IN and tuple IN over shard keys),
// updates, deletes, a transaction over two shards committed and one rolled
// back, a nested transaction (SAVEPOINT) rolled back: the application sees
// what the same code sees on one MariaDB, ids compared by creation order.
// The rows are on the shards their keys name and every generated id is
// unique across the shards.
func TestGORMSharded(t *testing.T) {
	t.Parallel()
	etcd := harness.StartEtcd(t)
	shards, p := startShardsEtcd(t, 2, `
			- name: shop
			  default_shard: s0
			  tables:
			    - {name: gs_users, shard_key: id, algorithm: mod}
			    - {name: gs_orders, shard_key: user_id, algorithm: mod}
			    - {name: gs_order_items, shard_key: user_id, algorithm: mod}
			    - {name: gs_products, broadcast: true}
			    - {name: gs_coupons, shard_key: id, algorithm: mod}
			    - {name: gs_addresses, shard_key: user_id, algorithm: mod}
		`, []string{etcd.Endpoint()})
	// The same code directly on one server, in a database of the same
	// name (error messages name it).
	direct := env.StartMariaDB(t, "direct")
	direct.CreateDatabase(t, "shop")
	pdb, plog := openGORM(t, p.DSN(appUser, appPass, "shop", "parseTime=true"))
	ddb, _ := openGORM(t, direct.DSN("shop")+"?parseTime=true")
	if pv := pdb.Dialector.(*gormmysql.Dialector).ServerVersion; !strings.Contains(pv, "MariaDB") {
		t.Fatalf("GORM read server version %q through the proxy", pv)
	}

	got, pair := gormShardedTrial(t, "proxy", pdb)
	want, _ := gormShardedTrial(t, "MariaDB", ddb)
	// The loop below checks want's steps only: extra proxy steps, or no
	// steps at all, would otherwise pass.
	if len(want) == 0 || len(got) != len(want) {
		t.Errorf("%d steps through the proxy, %d on MariaDB", len(got), len(want))
	}
	for i := range want {
		if i >= len(got) || got[i] != want[i] {
			g := "(nothing)"
			if i < len(got) {
				g = got[i]
			}
			t.Errorf("step %d:\n  proxy:   %s\n  MariaDB: %s", i, g, want[i])
		}
	}
	for _, line := range got {
		t.Log(line)
	}
	// GORM sent what the test means to cover.
	sent := plog.take()
	for _, shape := range []struct{ what, prefix, part string }{
		{"CREATE TABLE with AUTO_INCREMENT", "CREATE TABLE `gs_orders`", "AUTO_INCREMENT"},
		{"CREATE TABLE with a foreign key", "CREATE TABLE `gs_order_items`", "FOREIGN KEY (`order_id`,`user_id`) REFERENCES `gs_orders`(`id`,`user_id`)"},
		{"association upsert with RETURNING", "INSERT INTO `gs_order_items`", "ON DUPLICATE KEY UPDATE"},
		{"batch create with RETURNING", "INSERT INTO `gs_users`", "RETURNING `id`"},
		{"preload by IN", "SELECT * FROM `gs_orders` WHERE `gs_orders`.`user_id` IN (", ""},
		{"preload by tuple IN", "SELECT * FROM `gs_order_items` WHERE (`gs_order_items`.`order_id`,`gs_order_items`.`user_id`) IN ((", ""},
		{"nested transaction", "SAVEPOINT ", ""},
		{"nested rollback", "ROLLBACK TO SAVEPOINT ", ""},
	} {
		if !slices.ContainsFunc(sent, func(s string) bool {
			return strings.HasPrefix(s, shape.prefix) && strings.Contains(s, shape.part)
		}) {
			t.Errorf("GORM sent no %s (%s ... %s)", shape.what, shape.prefix, shape.part)
		}
	}
	for _, s := range sent {
		if strings.HasPrefix(s, "CREATE") || strings.Contains(s, "ON DUPLICATE") || strings.Contains(s, "SAVEPOINT") || strings.Contains(s, ") IN ((") {
			t.Logf("GORM sent: %s", s)
		}
	}

	// A foreign key the shards cannot check is refused, clearly.
	err := pdb.AutoMigrate(&gsCoupon{})
	if got := retErrLine(err); !strings.Contains(got, "error 1235 (42000): FOREIGN KEY fk_gs_coupons_user from sharded table shop.gs_coupons to sharded table shop.gs_users is not supported") {
		t.Errorf("AutoMigrate of a foreign key across shards: %s", got)
	}
	nofk, _ := openGORM(t, p.DSN(appUser, appPass, "shop", "parseTime=true"))
	nofk.Config.DisableForeignKeyConstraintWhenMigrating = true
	if err := nofk.AutoMigrate(&gsCoupon{}); err != nil {
		t.Errorf("AutoMigrate without foreign keys: %v", err)
	}
	c := gsCoupon{UserID: pair[1], Code: "x"}
	if err := nofk.Create(&c).Error; err != nil || c.ID == 0 {
		t.Errorf("create coupon: %v, id %d", err, c.ID)
	}

	// The two-shard transactions touched two shards.
	if pair[0]%2 == pair[1]%2 {
		t.Errorf("the transaction's users %d and %d are on one shard", pair[0], pair[1])
	}
	// Every row is on the shard of its key; ids unique across the shards.
	for _, tc := range []struct{ table, key string }{
		{"gs_users", "id"}, {"gs_orders", "user_id"}, {"gs_order_items", "user_id"},
	} {
		ids := map[string]bool{}
		for i, s := range shards {
			rows := queryStrings(t, s.DB(t, "shop"), fmt.Sprintf("SELECT CONCAT(id, ' ', %s) FROM %s", tc.key, tc.table))
			if len(rows) == 0 {
				t.Errorf("shard s%d holds no %s rows", i, tc.table)
			}
			for _, r := range rows {
				var id, key int
				fmt.Sscan(r, &id, &key)
				if key%2 != i {
					t.Errorf("shard s%d holds %s row id=%d with key %d", i, tc.table, id, key)
				}
				if ids[fmt.Sprint(id)] {
					t.Errorf("%s id %d is on two shards", tc.table, id)
				}
				ids[fmt.Sprint(id)] = true
			}
		}
	}
	for i, s := range shards {
		sdb := s.DB(t, "shop")
		if n := queryInt(t, sdb, "SELECT COUNT(*) FROM gs_products"); n != 3 {
			t.Errorf("shard s%d holds %d products, want 3", i, n)
		}
		// AutoMigrate's ALTER TABLE and CREATE INDEX reached every shard.
		if n := queryInt(t, sdb, "SELECT COUNT(*) FROM information_schema.statistics WHERE table_schema = 'shop' AND table_name = 'gs_users' AND column_name = 'email'"); n != 1 {
			t.Errorf("shard s%d: gs_users.email has %d indexes, want 1", i, n)
		}
	}
}
