package errors

import "net/http"

// Body is the JSON error body of Medusa's admin API: {code?, type, message}.
type Body struct {
	Code    string `json:"code,omitempty"`
	Type    string `json:"type"`
	Message string `json:"message"`
}

const conflictMessage = "The request conflicted with another request. You may retry the request with the provided Idempotency-Key."

// HTTP maps err to a status code and a Medusa-shaped body, as Medusa's
// error handler does. Errors that are not *Error become 500 unknown_error
// with a generic message, so internals never leak to clients. A failure
// that would be a 5xx but is transient (see Transient: the database is
// unreachable, a deadline passed, the server sheds load or stops) is 503
// with type "unavailable", its code and a message saying to retry.
func HTTP(err error) (int, Body) {
	status, body := httpStatus(err)
	if status >= 500 {
		if code := Transient(err); code != "" {
			return http.StatusServiceUnavailable, Body{Code: code, Type: string(Unavailable), Message: unavailableMessages[code]}
		}
	}
	return status, body
}

func httpStatus(err error) (int, Body) {
	e, ok := As(err)
	if !ok {
		return http.StatusInternalServerError, Body{Code: "unknown_error", Type: "unknown_error", Message: "An unknown error occurred."}
	}
	b := Body{Code: e.Code, Type: string(e.Type), Message: e.Error()}
	switch e.Type {
	case NotFound:
		return http.StatusNotFound, b
	case InvalidData, NotAllowed:
		return http.StatusBadRequest, b
	case Unauthorized:
		return http.StatusUnauthorized, b
	case DuplicateError:
		b.Code = "invalid_request_error"
		return http.StatusUnprocessableEntity, b
	case PaymentAuthError:
		return http.StatusUnprocessableEntity, b
	case Conflict:
		b.Code = "invalid_state_error"
		b.Message = conflictMessage
		return http.StatusConflict, b
	case DatabaseError:
		b.Code = "api_error"
		return http.StatusInternalServerError, b
	case UnexpectedState, InvalidArgument:
		return http.StatusInternalServerError, b
	}
	return http.StatusInternalServerError, Body{Code: "unknown_error", Type: "unknown_error", Message: "An unknown error occurred."}
}
