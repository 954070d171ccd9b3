namespace ProcessFarm.Shared.Imaging;

/// <summary>What <see cref="ImageFile.Transform"/> did.</summary>
/// <param name="Geometry">The image.</param>
/// <param name="BytesWritten">Size of the output file.</param>
/// <param name="DecodeNs">Time decoding.</param>
/// <param name="KernelNs">Time in the LUT kernel.</param>
/// <param name="EncodeNs">Time encoding and writing.</param>
public readonly record struct FileTransformResult(ImageGeometry Geometry, long BytesWritten, long DecodeNs, long KernelNs, long EncodeNs);
