// qs8 (int8) kernel family exports (see assembly/kernels/qs8_*.ts).
