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

    /// <summary>
    /// Reads on the calling thread. Over a <see cref="DirectSocketStream"/> the read completes synchronously (its
    /// reads do); over any other stream this blocks the thread until it does. For a loop that owns its thread.
    /// </summary>
    public static ReadResult ReadBlocking(PipeReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var pending = reader.ReadAsync();
        return pending.IsCompleted ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
    }

    /// <summary>Flushes on the calling thread; the counterpart of <see cref="ReadBlocking"/> for a writer.</summary>
    public static FlushResult FlushBlocking(PipeWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var pending = writer.FlushAsync();
        return pending.IsCompleted ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
    }

    private static int ReadBufferBytes() =>
        int.TryParse(Environment.GetEnvironmentVariable("PROCESSFARM_PIPE_BUFFER"), out int bytes) && bytes >= 4096 ? bytes : 1 << 20;
}
