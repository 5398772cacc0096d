// The converter's public API: trained models -> FormatModel -> bytes.
//   convert(model, options)         -> FormatModel (validated; write it with writeModel)
//   convertToBytes(model, options)  -> { bytes, report, model }: report = bytes per tensor, encoding, candidates
//   formatConvertReport(report)     -> a table for people
// No fs anywhere below this file, so it bundles for a browser; to write a file (temp + rename), import
// convertToFile from './convert_file.js' (Node only).
export { convert, convertToBytes, type ConvertInput, type ConvertReport, type TensorReport } from './convert.js';
export { ConvertError, type ConvertErrorCode } from './errors.js';
export type { ConvertOptions, QuantizeMode, SparseMode } from './options.js';
export { formatConvertReport } from './report.js';
