package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
)

// Parse reads a catalog from one JSON document, merges repeated types (see
// the package doc) and validates it. The error joins every problem found,
// each a *ValidationError, in catalog order.
func Parse(data []byte) (*Catalog, error) {
	c, err := decode(data)
	if err != nil {
		return nil, err
	}
	return build(c)
}

// Load reads a catalog from a file, or from every *.json file directly in a
// directory, merged in file-name order (see the package doc for the merge
// rule).
func Load(name string) (*Catalog, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	if fi.IsDir() {
		return loadFS(os.DirFS(name), ".", name)
	}
	return loadFS(os.DirFS(filepath.Dir(name)), filepath.Base(name), filepath.Dir(name))
}

// LoadFS is Load on a file system, such as an embed.FS: root names a file
// or a directory of *.json files in fsys.
func LoadFS(fsys fs.FS, root string) (*Catalog, error) {
	return loadFS(fsys, root, "")
}

// loadFS names files in errors under dir, the directory fsys stands for.
func loadFS(fsys fs.FS, root, dir string) (*Catalog, error) {
	fi, err := fs.Stat(fsys, root)
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	files := []string{root}
	if fi.IsDir() {
		files, err = jsonFiles(fsys, root)
		if err != nil {
			return nil, err
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("catalog: no *.json files in %s", filepath.Join(dir, filepath.FromSlash(root)))
		}
	}
	var merged Catalog
	for _, name := range files {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("catalog: %w", err)
		}
		c, err := decode(data)
		if err != nil {
			return nil, &fileError{name: filepath.Join(dir, filepath.FromSlash(name)), err: err}
		}
		merged.Producentarendetyper = append(merged.Producentarendetyper, c.Producentarendetyper...)
		for k, v := range c.Extra {
			if _, ok := merged.Extra[k]; !ok { // the first file to set a key wins
				if merged.Extra == nil {
					merged.Extra = make(map[string]json.RawMessage)
				}
				merged.Extra[k] = v
			}
		}
	}
	return build(&merged)
}

// fileError names the file a decoding error is in.
type fileError struct {
	name string
	err  error
}

func (e *fileError) Error() string {
	return "catalog: " + e.name + ": " + strings.TrimPrefix(e.err.Error(), "catalog: ")
}

func (e *fileError) Unwrap() error { return e.err }

// jsonFiles lists the *.json regular files directly in dir, in name order
// (fs.ReadDir sorts). A symbolic link to a regular file counts: a
// Kubernetes ConfigMap mounts every file as one.
func jsonFiles(fsys fs.FS, dir string) ([]string, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	var files []string
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		name := path.Join(dir, e.Name())
		if e.Type()&fs.ModeSymlink != 0 {
			if fi, err := fs.Stat(fsys, name); err == nil && fi.Mode().IsRegular() {
				files = append(files, name)
			}
		} else if e.Type().IsRegular() {
			files = append(files, name)
		}
	}
	return files, nil
}

// decode reads one document without validating it.
func decode(data []byte) (*Catalog, error) {
	// A document must be an object; encoding/json would take "null" as an
	// empty catalog.
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return nil, errors.New("catalog: not a JSON object")
	}
	var c Catalog
	if err := json.Unmarshal(data, &c); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("catalog: invalid JSON at byte %d: %w", se.Offset, err)
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			// encoding/json names our unexported alias types; say where in
			// the document instead. Built on the v2 engine (Go 1.27, or
			// GOEXPERIMENT=jsonv2) it names the field within the innermost
			// value only, and none for an array element.
			where := ""
			if te.Field != "" {
				where = te.Field + ": "
			}
			return nil, fmt.Errorf("catalog: %sa JSON %s where %s belongs", where, te.Value, jsonKind(te.Type))
		}
		if strings.HasPrefix(err.Error(), "catalog: ") {
			return nil, err
		}
		return nil, fmt.Errorf("catalog: %w", err)
	}
	return &c, nil
}

// jsonKind names what a Go type reads from, in JSON's terms.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	}
	return t.String()
}

// build merges, validates and indexes a decoded catalog.
func build(c *Catalog) (*Catalog, error) {
	merged, errs := merge(c.Producentarendetyper)
	c.Producentarendetyper = merged
	errs = append(errs, validate(c)...)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	c.index()
	return c, nil
}

// merge folds repeated entries of a type into one. The first entry with
// steps or a flow is the definition (or, when none has, the first entry);
// every other entry is an extension that may only add producenter and
// varianter, appended in document order. A second definition is an error.
func merge(types []*Producentarendetyp) ([]*Producentarendetyp, []error) {
	var errs []error
	def := make(map[string]*Producentarendetyp)
	for _, t := range types {
		if t == nil {
			continue
		}
		if d, ok := def[t.ID]; !ok || (!defines(d) && defines(t)) {
			def[t.ID] = t
		}
	}
	var out []*Producentarendetyp
	for i, t := range types {
		if t == nil {
			out = append(out, nil) // validate reports it
			continue
		}
		d := def[t.ID]
		if t == d {
			out = append(out, t)
			continue
		}
		if defines(t) {
			errs = append(errs, &ValidationError{Typ: t.ID, Reason: fmt.Sprintf("duplicate id (entry %d defines the type again)", i)})
			continue
		}
		if t.Namn != "" || t.Beskrivning != "" {
			errs = append(errs, &ValidationError{Typ: t.ID, Reason: "an extension of a type may only add producenter and varianter, not namn or beskrivning"})
			continue
		}
		for _, p := range t.Producenter {
			if !slices.Contains(d.Producenter, p) {
				d.Producenter = append(d.Producenter, p)
			}
		}
		d.Varianter = append(d.Varianter, t.Varianter...)
		for k, v := range t.Extra {
			if _, ok := d.Extra[k]; !ok {
				if d.Extra == nil {
					d.Extra = make(map[string]json.RawMessage)
				}
				d.Extra[k] = v
			}
		}
	}
	return out, errs
}

// defines reports whether an entry defines its type rather than extends it.
func defines(t *Producentarendetyp) bool {
	return len(t.Kundhandelsetyper) > 0 || len(t.Flode.Start) > 0 ||
		len(t.Flode.Overgangar) > 0 || len(t.Flode.Slut) > 0
}
