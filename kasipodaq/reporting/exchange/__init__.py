"""Reports in and out as files: printed in the union's layout (XLSX, PDF, JSON), and
the offline XLSX template an organization fills without internet and uploads."""
