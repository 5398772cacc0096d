// The converter's error: what in the trained model or the options cannot become a model file, and
// what to do instead. `code` is stable for programs.
import { TopiaryError } from '../errors.js';

export type ConvertErrorCode =
  | 'bad_option' // an unknown option, a value out of its choices, or options that contradict each other
  | 'bad_model' // not a Sequential, a QAT model or a QuantizedModel
  | 'unsupported_layer' // a layer with no op in the format (the message names it)
  | 'unfoldable_relu' // a ReLU layer with no Conv2D or Dense before it to fuse into
  | 'unsupported_activation' // an int8 layer with an activation the format has no code for (relu6)
  | 'not_finite' // a weight or bias is NaN or infinite: the model diverged
  | 'no_calibration_data' // quantize 'int8' of a float model without representative samples
  | 'inconsistent_int8'; // a QuantizedModel whose stored integers the format cannot reproduce

export class ConvertError extends TopiaryError {
  constructor(
    override readonly code: ConvertErrorCode,
    message: string,
  ) {
    super(code, message);
  }
}
