// A module with every kind of directive.
module example.com/app

go 1.21

toolchain go1.21.5

require github.com/pkg/errors v0.9.1

require (
	golang.org/x/net v0.17.0
	golang.org/x/text v0.13.0 // indirect
	"github.com/quoted/mod" v1.2.3
	github.com/old/name v1.0.0
	github.com/local/fork v0.5.0 // indirect; used by tests
	github.com/pinned/only v1.1.0
	github.com/pinned/only2 v1.1.0
)

require ( )

replace github.com/old/name => github.com/new/name v1.4.2

replace (
	github.com/local/fork => ../fork
	github.com/pinned/only v1.0.0 => github.com/never/used v9.9.9
	github.com/pinned/only2 v1.1.0 => github.com/pinned/fixed v1.1.1
	golang.org/x/net => golang.org/x/net v0.17.1
	golang.org/x/net v0.17.0 => golang.org/x/net v0.18.0
)

exclude golang.org/x/crypto v0.1.0

retract [v1.0.0, v1.0.5]

retract (
	v0.9.0 // published by mistake
)
