package config

// Mapping a query's runes back to file columns, so that a problem inside a
// query is reported where it is in the file.

import (
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// scalarColumns maps each rune of a single-line scalar's value to its
// 1-based source column, plus one entry for the column just past the end.
// It returns nil when the value cannot be mapped (block scalars, values
// folded over several lines).
func scalarColumns(n *yaml.Node, lines [][]byte) []int {
	if n.Line < 1 || n.Line > len(lines) || n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return nil
	}
	line := []rune(string(lines[n.Line-1]))
	i := n.Column - 1
	if i < 0 || i > len(line) {
		return nil
	}
	val := []rune(n.Value)
	cols := make([]int, 0, len(val)+1)
	switch {
	case n.Style&yaml.SingleQuotedStyle != 0:
		if i >= len(line) || line[i] != '\'' {
			return nil
		}
		i++
		for _, r := range val {
			if i >= len(line) {
				return nil
			}
			cols = append(cols, i+1)
			if r == '\'' {
				if i+1 >= len(line) || line[i] != '\'' || line[i+1] != '\'' {
					return nil
				}
				i += 2
				continue
			}
			if line[i] != r {
				return nil
			}
			i++
		}
		if i >= len(line) || line[i] != '\'' {
			return nil
		}
	case n.Style&yaml.DoubleQuotedStyle != 0:
		if i >= len(line) || line[i] != '"' {
			return nil
		}
		i++
		for range val {
			if i >= len(line) || line[i] == '"' {
				return nil
			}
			cols = append(cols, i+1)
			if line[i] != '\\' {
				i++
				continue
			}
			if i+1 >= len(line) {
				return nil
			}
			switch line[i+1] {
			case 'x':
				i += 4
			case 'u':
				i += 6
			case 'U':
				i += 10
			default:
				i += 2
			}
		}
		if i >= len(line) || line[i] != '"' {
			return nil
		}
	default:
		for _, r := range val {
			if i >= len(line) || line[i] != r {
				return nil
			}
			cols = append(cols, i+1)
			i++
		}
	}
	return append(cols, i+1)
}

// QueryOffsetPos returns the file position of the rune at offset (0-based)
// inside the watch's query, for errors the query parser reports. When the
// query cannot be mapped rune by rune (block scalars, multi-line values,
// ${VAR} expansion) it returns QueryPos.
func (w Watch) QueryOffsetPos(offset int) Pos {
	if len(w.queryCols) == 0 || offset < 0 || utf8.RuneCountInString(w.Query)+1 != len(w.queryCols) {
		return w.QueryPos
	}
	if offset >= len(w.queryCols) {
		offset = len(w.queryCols) - 1
	}
	return Pos{Line: w.QueryPos.Line, Col: w.queryCols[offset]}
}
