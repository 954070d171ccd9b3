using System.IO.Pipelines;

namespace ProcessFarm.Shared.Protocol;

/// <summary>The System.IO.Pipelines reader and writer both ends put on their pipe stream.</summary>
public static class PipeTransport
{
    /// <summary>
    /// Size of the reader's segments and of the chunks large payloads are written in: large enough that a
    /// multi-megabyte tile moves in a few socket calls rather than hundreds (docs/RESULTS.md, "Pipe buffer size").
    /// </summary>
    public static int BufferBytes { get; } = ReadBufferBytes();

    /// <summary>
    /// The writer's ordinary segment size. Small frames must not each rent a multi-megabyte array: pooled, those
    /// added up to hundreds of megabytes over a million small jobs. Large payloads ask for
    /// <see cref="BufferBytes"/>-sized spans explicitly (<see cref="FrameWriter.WritePayload"/>).
    /// </summary>
    public const int MinimumWriteSegmentBytes = 64 * 1024;

    /// <summary>A reader over <paramref name="stream"/> that leaves the stream open.</summary>
    public static PipeReader CreateReader(Stream stream) =>
        PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: BufferBytes, minimumReadSize: MinimumWriteSegmentBytes, leaveOpen: true));

    /// <summary>A writer over <paramref name="stream"/> that leaves the stream open.</summary>
    public static PipeWriter CreateWriter(Stream stream) =>
        PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: MinimumWriteSegmentBytes, leaveOpen: true));

    private static int ReadBufferBytes() =>
        int.TryParse(Environment.GetEnvironmentVariable("PROCESSFARM_PIPE_BUFFER"), out int bytes) && bytes >= 4096 ? bytes : 1 << 20;
}
