package markdown

import (
	"strings"

	"github.com/yuin/goldmark/ast"
	extast "github.com/yuin/goldmark/extension/ast"
)

// plainBlocks returns the plain text of each child block of parent; empty blocks are dropped.
func (b *builder) plainBlocks(parent ast.Node) []string {
	var out []string
	for n := parent.FirstChild(); n != nil; n = n.NextSibling() {
		if s := strings.TrimSpace(b.plainBlock(n)); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (b *builder) plainBlock(n ast.Node) string {
	switch n := n.(type) {
	case *ast.Heading, *ast.Paragraph, *ast.TextBlock:
		return plainSpans(b.inlines(n, inlineStyle{}, nil))
	case *ast.List:
		var items []string
		i := 0
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			// Item content (paragraphs, nested lists) stays on consecutive lines under its item.
			item := strings.Join(b.plainBlocks(c), "\n")
			if n.IsOrdered() {
				item = listMarker(n, i, 0) + " " + item
			}
			items = append(items, item)
			i++
		}
		return strings.Join(items, "\n")
	case *ast.Blockquote:
		return strings.Join(b.plainBlocks(n), "\n\n")
	case *ast.FencedCodeBlock, *ast.CodeBlock:
		return b.codeText(n)
	case *ast.ThematicBreak:
		return ""
	case *ast.HTMLBlock:
		return htmlToText(b.linesText(n) + b.closureText(n))
	case *extast.Table:
		var lines []string
		for _, row := range b.tableRows(n) {
			cells := make([]string, len(row))
			for i, c := range row {
				cells[i] = strings.TrimSpace(plainSpans(b.cellSpans(c)))
			}
			lines = append(lines, strings.Join(cells, " | "))
		}
		return strings.Join(lines, "\n")
	default:
		if n.HasChildren() {
			if n.Type() == ast.TypeBlock && n.FirstChild().Type() == ast.TypeBlock {
				return strings.Join(b.plainBlocks(n), "\n\n")
			}
			return plainSpans(b.inlines(n, inlineStyle{}, nil))
		}
		return b.linesText(n)
	}
}

func (b *builder) closureText(n *ast.HTMLBlock) string {
	if !n.HasClosure() {
		return ""
	}
	return string(n.ClosureLine.Value(b.src))
}

// plainSpans joins spans, trimming the spaces left around hard line breaks.
func plainSpans(spans []span) string {
	lines := strings.Split(spansText(spans), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}
