package modgen

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"
)

// argsWidth is how wide a row of wrapped call arguments may grow.
const argsWidth = 80

// wrappedCall is the argument list of a call: on one line when its
// arguments fit in argsWidth, otherwise several to a line, each line up to
// argsWidth wide, as one would wrap them by hand.
func wrappedCall(args ...jen.Code) *jen.Statement {
	return wrapped("(", ")", args)
}

// wrappedValues is a composite literal's values, wrapped like wrappedCall's
// arguments.
func wrappedValues(values ...jen.Code) *jen.Statement {
	return wrapped("{", "}", values)
}

func wrapped(open, close string, args []jen.Code) *jen.Statement {
	var rows [][]jen.Code
	var row []jen.Code
	width, total := 0, 0
	for _, a := range args {
		w := len(fmt.Sprintf("%#v", a)) + 2
		total += w
		if len(row) > 0 && width+w > argsWidth {
			rows = append(rows, row)
			row, width = nil, 0
		}
		row = append(row, a)
		width += w
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	if total <= argsWidth || len(rows) < 2 {
		return jen.Custom(jen.Options{Open: open, Close: close, Separator: ","}, args...)
	}
	lines := make([]jen.Code, len(rows))
	for i, r := range rows {
		lines[i] = jen.List(r...)
	}
	return jen.Custom(jen.Options{Open: open, Close: close, Separator: ",", Multi: true}, lines...)
}

// sqlConstValue is a SQL statement as a Go constant's value: a raw string
// literal keeping the statement's lines, or a quoted one when the statement
// holds a backquote.
func sqlConstValue(sql string) jen.Code {
	if strings.Contains(sql, "`") {
		return jen.Lit(sql)
	}
	return jen.Op("`" + sql + "`")
}
