"""Settings: params.yaml as one typed model (`params`), the project root and loading of parameters
(`config`), and YAML reading with one-line errors (`yamlio`). Every other sub-package may use these; they
use nothing but `attendance.errors`."""
