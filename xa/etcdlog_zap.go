package xa

import (
	"context"
	"log/slog"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// newZapToSlog returns a zap logger (what the etcd client wants) writing
// to l. The etcd client logs every retried request of an outage at Warn;
// EtcdLog logs what matters itself, so client entries go to Debug, and only
// the client's Error and worse to Warn.
func newZapToSlog(l *slog.Logger) *zap.Logger {
	return zap.New(&zapSlogCore{l: l})
}

type zapSlogCore struct {
	l      *slog.Logger
	fields []zapcore.Field
}

func slogLevel(lvl zapcore.Level) slog.Level {
	if lvl >= zapcore.ErrorLevel {
		return slog.LevelWarn
	}
	return slog.LevelDebug
}

func (c *zapSlogCore) Enabled(lvl zapcore.Level) bool {
	return c.l.Enabled(context.Background(), slogLevel(lvl))
}

func (c *zapSlogCore) With(fields []zapcore.Field) zapcore.Core {
	return &zapSlogCore{l: c.l, fields: append(append([]zapcore.Field(nil), c.fields...), fields...)}
}

func (c *zapSlogCore) Check(ent zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(ent.Level) {
		return ce.AddCore(ent, c)
	}
	return ce
}

func (c *zapSlogCore) Write(ent zapcore.Entry, fields []zapcore.Field) error {
	enc := zapcore.NewMapObjectEncoder()
	for _, f := range c.fields {
		f.AddTo(enc)
	}
	for _, f := range fields {
		f.AddTo(enc)
	}
	attrs := make([]slog.Attr, 0, len(enc.Fields)+1)
	attrs = append(attrs, slog.String("etcd_level", ent.Level.String()))
	for k, v := range enc.Fields {
		attrs = append(attrs, slog.Any(k, v))
	}
	c.l.LogAttrs(context.Background(), slogLevel(ent.Level), ent.Message, attrs...)
	return nil
}

func (c *zapSlogCore) Sync() error { return nil }
