package httpx

import (
	"net/http"

	merrors "github.com/medusa-go/medusa/framework/errors"
)

// NotFound answers 404 with Medusa's error shape.
func NotFound(w http.ResponseWriter, r *http.Request) {
	WriteError(w, r, merrors.New(merrors.NotFound, "Cannot %s %s", r.Method, r.URL.Path))
}
