package conf

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Load reads the configuration file at path and parses it with Parse.
// Problems in the file come back as an *Error whose File is path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("conf: reading config: %w", err)
	}
	cfg, err := parse(data, filepath.Dir(path))
	if err != nil {
		var cerr *Error
		if errors.As(err, &cerr) {
			cerr.File = path
		}
		return nil, err
	}
	return cfg, nil
}

// Parse decodes a YAML configuration strictly, applies defaults and
// validates the result. On failure the error is an *Error listing every
// problem found.
//
// Structural problems (YAML syntax, unknown or duplicate keys, values of
// the wrong type) are reported on their own: validating a half-decoded
// configuration would add follow-on complaints that point away from the
// real mistake.
//
// Relative password_file, cert_file and key_file paths are relative to the
// working directory (Load makes them relative to the file's directory).
func Parse(data []byte) (*Config, error) { return parse(data, "") }

func parse(data []byte, baseDir string) (*Config, error) {
	root, p := parseDocument(data)
	if p != nil {
		return nil, &Error{Problems: []Problem{*p}}
	}
	w := newWalker()
	if root != nil {
		w.walk(root, reflect.TypeFor[Config](), "")
	}
	if len(w.problems) > 0 {
		return nil, &Error{Problems: w.problems}
	}

	// Decoding over the defaults leaves absent keys at their default.
	cfg := Default()
	if err := decodeStrict(data, cfg); err != nil {
		// The walker should have caught anything the decoder rejects;
		// this is the safety net if the two ever disagree.
		return nil, &Error{Problems: []Problem{{Msg: err.Error()}}}
	}
	cfg.applyDefaults()
	if problems := cfg.validate(files{baseDir: baseDir, present: w.present}); len(problems) > 0 {
		for i := range problems {
			problems[i].Line = w.lineOf(problems[i].Path)
		}
		return nil, &Error{Problems: problems}
	}
	return cfg, nil
}

// parseDocument parses data into a node tree and returns the document's
// top node, nil for an empty document (validation then reports what is
// missing).
func parseDocument(data []byte) (*yaml.Node, *Problem) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, syntaxProblem(err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, syntaxProblem(err)
		}
		return nil, &Problem{Msg: "more than one YAML document (\"---\"); the configuration is a single document", Line: extra.Line}
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}

// syntaxProblem turns a yaml.v3 error such as "yaml: line 3: did not find
// expected key" into a Problem carrying the line separately.
func syntaxProblem(err error) *Problem {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	p := &Problem{Msg: "invalid YAML: " + msg}
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		num, tail, ok := strings.Cut(rest, ": ")
		if n, err := strconv.Atoi(num); ok && err == nil {
			p.Line, p.Msg = n, "invalid YAML: "+tail
		}
	}
	return p
}

func decodeStrict(data []byte, cfg *Config) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}
