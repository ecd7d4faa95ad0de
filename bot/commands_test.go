package bot

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/watchlist"
)

// The transports' halves of the agreement are checked where their fakes
// live: notify/telegram TestRunCommands (setMyCommands lists every row) and
// notify/discord TestSlashCommands (the registration payload has every row
// with its option).

var telegramName = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)

// TestCommandTableRows checks each row is complete enough for every place
// that is derived from it.
func TestCommandTableRows(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range Commands() {
		for _, n := range append([]string{c.Name}, c.Aliases...) {
			if seen[n] {
				t.Errorf("/%s is in the table twice", n)
			}
			seen[n] = true
			if !telegramName.MatchString(n) {
				t.Errorf("/%s: not a name Telegram and Discord both accept", n)
			}
		}
		if c.run == nil {
			t.Errorf("/%s has no handler", c.Name)
		}
		if n := len(c.MenuDescription()); n < 3 || n > 100 {
			t.Errorf("/%s: description is %d bytes; Telegram wants 3-256, Discord at most 100", c.Name, n)
		}
		if c.Arg != "" && (!telegramName.MatchString(c.Arg) || c.ArgDescription == "") {
			t.Errorf("/%s: argument %q needs a lower-case name and a description", c.Name, c.Arg)
		}
		if c.Arg == "" && (c.ArgRequired || c.ArgDescription != "") {
			t.Errorf("/%s: argument fields without an argument", c.Name)
		}
		if c.ArgRequired && !strings.HasPrefix(c.Usage, "/"+c.Name) {
			t.Errorf("/%s: a required argument needs a usage line starting with /%s, have %q", c.Name, c.Name, c.Usage)
		}
	}
}

// TestHelpListsTheTable checks /help shows every row: to admins all of
// them, to everyone else all but the admin commands.
func TestHelpListsTheTable(t *testing.T) {
	h := newHarness(t, opts{})
	user := h.send(private(tgUser, "help", ""))
	admin := h.send(private(tgAdmin, "help", ""))
	for _, c := range Commands() {
		line := "/" + c.Name + " "
		if !strings.Contains(admin, "\n"+line) {
			t.Errorf("admin /help does not list /%s:\n%s", c.Name, admin)
		}
		if got := strings.Contains(user, "\n"+line); got == c.Admin() {
			t.Errorf("user /help lists /%s = %v, want %v", c.Name, got, !c.Admin())
		}
		for _, a := range c.Aliases {
			if strings.Contains(admin, "/"+a+" ") {
				t.Errorf("/help lists the alias /%s", a)
			}
		}
	}
}

// TestHandleEnforcesAccess runs every row and alias as each kind of caller
// against a core without a store: a caller who passes the permission checks
// gets "no database attached", any other gets a refusal.
func TestHandleEnforcesAccess(t *testing.T) {
	cfg, err := config.Parse([]byte("admins:\n  telegram: [1001]\n"), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	set, err := watchlist.Compile(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	const passed = "no database attached"
	callers := []struct {
		name string
		req  Request
		may  map[Access]bool
	}{
		{"private user", private(tgUser, "", ""), map[Access]bool{Anyone: true, ChatManagers: true}},
		{"group member", group(groupChat, tgUser, false, "", ""), map[Access]bool{Anyone: true}},
		{"group administrator", group(groupChat, tgUser, true, "", ""), map[Access]bool{Anyone: true, ChatManagers: true}},
		{"config admin in a group", group(groupChat, tgAdmin, false, "", ""), map[Access]bool{Anyone: true, ChatManagers: true, Admins: true}},
	}
	for _, c := range Commands() {
		for _, name := range append([]string{c.Name}, c.Aliases...) {
			for _, who := range callers {
				core := New(Deps{Watchlist: set})
				r := who.req
				r.Command, r.Args = name, "x"
				got := core.Handle(context.Background(), r).Text
				if ok := strings.Contains(got, passed); ok != who.may[c.Access] {
					t.Errorf("/%s (%s) from %s: ran = %v, want %v; reply: %s", name, c.Access, who.name, ok, who.may[c.Access], got)
				}
			}
		}
	}
	// Nothing outside the table is answered.
	core := New(Deps{Watchlist: set})
	for _, name := range []string{"digest", "quiet", "search", "admin", "cmdhelp", "spec", "starts", "helps"} {
		if _, ok := Lookup(name); ok {
			continue
		}
		got := core.Handle(context.Background(), private(tgAdmin, name, "x")).Text
		if !strings.Contains(got, "I don't know the command /"+name) {
			t.Errorf("/%s is not in the table but got: %s", name, got)
		}
	}
}

// TestEveryHandlerIsInTheTable checks no cmd* method of Core is left out of
// the table (a handler reachable some other way, or dead).
func TestEveryHandlerIsInTheTable(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var handlers, inTable []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncDecl:
				if n.Recv != nil && strings.HasPrefix(n.Name.Name, "cmd") {
					handlers = append(handlers, n.Name.Name)
				}
			case *ast.KeyValueExpr:
				if k, ok := n.Key.(*ast.Ident); ok && k.Name == "run" {
					if sel, ok := n.Value.(*ast.SelectorExpr); ok {
						inTable = append(inTable, sel.Sel.Name)
					}
				}
			}
			return true
		})
	}
	slices.Sort(handlers)
	slices.Sort(inTable)
	if len(handlers) == 0 || !slices.Equal(handlers, inTable) {
		t.Errorf("handlers %v, table rows run %v", handlers, inTable)
	}
	if len(inTable) != len(Commands()) {
		t.Errorf("%d handlers in the table's source, %d rows", len(inTable), len(Commands()))
	}
}
