package module

// Compose returns the modules of an application from lists in order (the
// framework's parts, the built-in modules, then the application's): a module
// whose name was already listed replaces the earlier one in its place (so an
// application can configure or replace a built-in module), and a Disabled
// one removes it. It fails on an invalid name.
func Compose(lists ...[]Module) ([]Module, error) {
	var out []Module
	at := map[string]int{}
	for _, list := range lists {
		for _, m := range list {
			if err := ValidName(m.Name); err != nil {
				return nil, err
			}
			if i, ok := at[m.Name]; ok {
				out[i] = m
				continue
			}
			at[m.Name] = len(out)
			out = append(out, m)
		}
	}
	kept := out[:0]
	for _, m := range out {
		if !m.Disabled {
			kept = append(kept, m)
		}
	}
	return kept, nil
}
