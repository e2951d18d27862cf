package pgembed_test

import (
	"context"
	"fmt"
	"log"

	"github.com/medusa-go/medusa/framework/pgembed"
)

// A persistent local server, as `medusa-go dev` runs it: the first Start
// runs initdb, later ones reuse the cluster.
func ExampleStart() {
	ctx := context.Background()
	srv, err := pgembed.Start(ctx, pgembed.Options{
		DataDir:   ".medusa/postgres",
		SocketDir: "/tmp/medusa-go-example",
		LogFile:   ".medusa/postgres.log",
	})
	if err != nil {
		// Without binaries: "pgembed: no PostgreSQL server binaries found
		// (initdb, postgres); install them with `apt-get install postgresql` ..."
		log.Fatal(err)
	}
	defer srv.Stop(context.Background())
	fmt.Println(srv.URL("postgres"))
}
