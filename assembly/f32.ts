// f32 kernel family exports (see assembly/kernels/f32_*.ts).
