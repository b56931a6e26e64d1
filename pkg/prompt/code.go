package prompt

import (
	"errors"
	"fmt"
	"strings"
)

// errBadCode never carries the rejected input: a mistyped code is still
// close to a valid one.
var errBadCode = errors.New("MFA code must be six digits")

// ValidCode reports whether code, once surrounding whitespace is trimmed, is
// exactly six ASCII digits, the only form AWS accepts for a TOTP code. The
// error never repeats the code.
func ValidCode(code string) error {
	code = strings.TrimSpace(code)
	if len(code) != 6 {
		return errBadCode
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return errBadCode
		}
	}
	return nil
}

// checked trims code and validates it, naming the source in the error.
func checked(source, code string) (string, error) {
	code = strings.TrimSpace(code)
	if err := ValidCode(code); err != nil {
		return "", fmt.Errorf("%s: %w", source, err)
	}
	return code, nil
}
