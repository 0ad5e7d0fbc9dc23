package content

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Marshal writes v (a bundle file's model: Municipality, []Office, []Category, []MenuItem,
// Procedure, Form, or a Page's front matter) as the YAML a clerk would write by hand: keys in
// the model's order, empty values left out, dates as YYYY-MM-DD and amounts as "17,00".
// Loading the result gives v back.
func Marshal(v any) ([]byte, error) {
	n, err := node(reflect.ValueOf(v))
	if err != nil {
		return nil, err
	}
	if n == nil {
		n = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		if k := reflect.Indirect(reflect.ValueOf(v)).Kind(); k == reflect.Slice {
			n = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		}
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// PageFile is a BIP page's file: the front matter between --- lines, then the Markdown body.
func PageFile(p Page) ([]byte, error) {
	front, err := Marshal(p)
	if err != nil {
		return nil, err
	}
	body := strings.TrimLeft(p.Body, "\n")
	if body != "" && !strings.HasSuffix(body, "\n") {
		body += "\n"
	}
	return []byte("---\n" + string(front) + "---\n" + body), nil
}

var marshaler = reflect.TypeFor[yaml.Marshaler]()

// node is v as a YAML node, nil when v is empty (left out of its parent).
func node(v reflect.Value) (*yaml.Node, error) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil, nil
		}
		v = v.Elem()
	}
	if v.Type().Implements(marshaler) || v.Kind() != reflect.Struct && v.Kind() != reflect.Slice {
		if v.IsZero() && v.Kind() != reflect.Bool {
			return nil, nil
		}
		if v.Kind() == reflect.Bool && !v.Bool() {
			return nil, nil
		}
		n := &yaml.Node{}
		if err := n.Encode(v.Interface()); err != nil {
			return nil, err
		}
		return n, nil
	}
	if v.Kind() == reflect.Slice {
		if v.Len() == 0 {
			return nil, nil
		}
		seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for i := range v.Len() {
			c, err := node(v.Index(i))
			if err != nil {
				return nil, err
			}
			if c == nil { // an empty item stays an item: its position may matter
				c = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
				if v.Type().Elem().Kind() != reflect.Struct {
					c = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: ""}
				}
			}
			seq.Content = append(seq.Content, c)
		}
		return seq, nil
	}
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "-" || name == "" {
			continue
		}
		c, err := node(v.Field(i))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if c == nil {
			continue
		}
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: name}, c)
	}
	if len(m.Content) == 0 {
		return nil, nil
	}
	return m, nil
}

// ParsePage reads a BIP page file's front matter (leniently: the loader is the checker) and
// its Markdown body; ok is false when the file has no front matter.
func ParsePage(data []byte) (p Page, ok bool) {
	front, body, ok := SplitFrontMatter(data)
	if !ok {
		return Page{}, false
	}
	_ = yaml.Unmarshal(front, &p)
	p.Body = string(body)
	return p, true
}
