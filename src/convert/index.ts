// The converter's public API: trained models -> FormatModel -> bytes (or a file).
export { convert, convertToBytes, type ConvertInput, type ConvertReport, type TensorReport } from './convert.js';
export { convertToFile } from './convert_file.js';
export { ConvertError, type ConvertErrorCode } from './errors.js';
export type { ConvertOptions, QuantizeMode, SparseMode } from './options.js';
export { formatConvertReport } from './report.js';
