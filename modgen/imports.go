package modgen

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"sort"
	"strings"
)

// maxLine is the width (tabs counted as 4) past which a generated function
// declaration gets one parameter per line.
const maxLine = 120

// formatGo formats generated Go source the way goimports leaves it: gofmt'd,
// with every parenthesized import block in two groups, the standard library
// first and then everything else, each sorted by path; and a function
// declaration whose first line would pass maxLine has one parameter per
// line. The result depends only on src.
func formatGo(src []byte) ([]byte, error) {
	grouped, err := groupImports(src)
	if err != nil {
		return nil, err
	}
	out, err := format.Source(grouped)
	if err != nil {
		return nil, fmt.Errorf("modgen: format Go: %w", err)
	}
	wrapped, err := wrapLongSignatures(out)
	if err != nil {
		return nil, err
	}
	if wrapped == nil {
		return out, nil
	}
	if out, err = format.Source(wrapped); err != nil {
		return nil, fmt.Errorf("modgen: format Go: %w", err)
	}
	return out, nil
}

// wrapLongSignatures puts the parameters of each function declaration whose
// first line passes maxLine one per line, or returns nil when none does.
// src is gofmt'd.
func wrapLongSignatures(src []byte) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", src, parser.ParseComments)
	if err != nil {
		return nil, fmt.Errorf("modgen: parse generated Go: %w", err)
	}
	lines := bytes.Split(src, []byte("\n"))
	var out bytes.Buffer
	last := 0
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Type.Params == nil || len(fd.Type.Params.List) == 0 {
			continue
		}
		open, closing := fset.Position(fd.Type.Params.Opening), fset.Position(fd.Type.Params.Closing)
		if open.Line != closing.Line || open.Line != fset.Position(fd.Pos()).Line {
			continue
		}
		line := lines[open.Line-1]
		if len(line)+3*bytes.Count(line, []byte("\t")) <= maxLine {
			continue
		}
		out.Write(src[last : open.Offset+1])
		out.WriteString("\n")
		for _, p := range fd.Type.Params.List {
			out.Write(src[fset.Position(p.Pos()).Offset:fset.Position(p.End()).Offset])
			out.WriteString(",\n")
		}
		last = closing.Offset
	}
	if last == 0 {
		return nil, nil
	}
	out.Write(src[last:])
	return out.Bytes(), nil
}

// groupImports rewrites the import blocks of src (stdlib, blank line, the
// rest); it keeps each spec's doc and line comments with it.
func groupImports(src []byte) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", src, parser.ParseComments|parser.ImportsOnly)
	if err != nil {
		return nil, fmt.Errorf("modgen: parse generated Go: %w", err)
	}
	type edit struct {
		from, to int
		text     string
	}
	var edits []edit
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.IMPORT || !gd.Lparen.IsValid() || len(gd.Specs) == 0 {
			continue
		}
		type spec struct {
			path, text string
			std        bool
		}
		var specs []spec
		for _, s := range gd.Specs {
			is := s.(*ast.ImportSpec)
			start, end := is.Pos(), is.End()
			if is.Doc != nil {
				start = is.Doc.Pos()
			}
			if is.Comment != nil {
				end = is.Comment.End()
			}
			path := strings.Trim(is.Path.Value, "`\"")
			specs = append(specs, spec{
				path: path,
				text: string(src[fset.Position(start).Offset:fset.Position(end).Offset]),
				std:  !strings.Contains(strings.SplitN(path, "/", 2)[0], "."),
			})
		}
		sort.SliceStable(specs, func(i, j int) bool {
			if specs[i].std != specs[j].std {
				return specs[i].std
			}
			return specs[i].path < specs[j].path
		})
		var b strings.Builder
		b.WriteString("(\n")
		for i, s := range specs {
			if i > 0 && s.std != specs[i-1].std {
				b.WriteString("\n")
			}
			b.WriteString("\t" + s.text + "\n")
		}
		b.WriteString(")")
		edits = append(edits, edit{fset.Position(gd.Lparen).Offset, fset.Position(gd.Rparen).Offset + 1, b.String()})
	}
	if len(edits) == 0 {
		return src, nil
	}
	var out bytes.Buffer
	last := 0
	for _, e := range edits {
		out.Write(src[last:e.from])
		out.WriteString(e.text)
		last = e.to
	}
	out.Write(src[last:])
	return out.Bytes(), nil
}
