using System.IO.Pipelines;

namespace ProcessFarm.Shared.Protocol;

/// <summary>The System.IO.Pipelines reader and writer both ends put on their pipe stream.</summary>
public static class PipeTransport
{
    /// <summary>
    /// Segment size: large enough that a multi-megabyte tile moves in a few dozen socket calls rather than
    /// hundreds. Set from measurements in docs/RESULTS.md ("Pipe buffer size").
    /// </summary>
    public static int BufferBytes { get; } = ReadBufferBytes();

    /// <summary>A reader over <paramref name="stream"/> that leaves the stream open.</summary>
    public static PipeReader CreateReader(Stream stream) =>
        PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: BufferBytes, minimumReadSize: Math.Max(4096, BufferBytes / 4), leaveOpen: true));

    /// <summary>A writer over <paramref name="stream"/> that leaves the stream open.</summary>
    public static PipeWriter CreateWriter(Stream stream) =>
        PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: BufferBytes, leaveOpen: true));

    private static int ReadBufferBytes() =>
        int.TryParse(Environment.GetEnvironmentVariable("PROCESSFARM_PIPE_BUFFER"), out int bytes) && bytes >= 4096 ? bytes : 4 << 20;
}
