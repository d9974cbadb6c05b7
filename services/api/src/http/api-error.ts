import { errorData, HTTP_STATUS_FOR_ERROR, type ApiErrorCode, type ErrorData, type ErrorDetails } from '@parley/protocol';

/** An expected failure with a stable code; routes throw it and the error handler renders it. */
export class ApiError extends Error {
  readonly data: ErrorData;
  readonly statusCode: number;

  constructor(code: ApiErrorCode, message: string, details?: ErrorDetails) {
    super(message);
    this.data = errorData(code, message, details);
    this.statusCode = HTTP_STATUS_FOR_ERROR[code];
  }
}
