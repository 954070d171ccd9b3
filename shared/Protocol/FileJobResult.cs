using System.Buffers;
using MessagePack;
using ProcessFarm.Shared.MessagePack;

namespace ProcessFarm.Shared.Protocol;

/// <summary>
/// The payload of a <c>file</c> job's Result: the map <c>{"width", "height", "channels", "bytes", "decode_ns",
/// "kernel_ns", "encode_ns"}</c> (docs/PROTOCOL.md); a <c>file_bytes</c> job's adds <c>"output"</c>, the encoded
/// output as a bin. Unknown keys are skipped when reading, so the map may grow.
/// </summary>
public readonly record struct FileJobResult(int Width, int Height, int Channels, long Bytes, long DecodeNs, long KernelNs, long EncodeNs)
{
    /// <summary>
    /// A <c>file_bytes</c> job's encoded output as read (empty for a <c>file</c> job): it slices the payload given to
    /// <see cref="Read"/> and is valid only as long as that is.
    /// </summary>
    public ReadOnlySequence<byte> Output { get; init; }

    /// <summary>Whether the map carried <c>"output"</c>.</summary>
    public bool HasOutput { get; init; }

    /// <summary>Writes the map.</summary>
    public void Write(ref MessagePackWriter writer)
    {
        writer.WriteMapHeader(7);
        WritePairs(ref writer);
    }

    /// <summary>
    /// Writes a <c>file_bytes</c> Result's map up to its encoded output: the seven pairs, the key <c>"output"</c>
    /// and a bin header for <paramref name="outputBytes"/>; the caller then writes exactly that many bytes.
    /// </summary>
    public void WriteUpToOutput(ref MessagePackWriter writer, int outputBytes)
    {
        writer.WriteMapHeader(8);
        WritePairs(ref writer);
        writer.WriteString("output"u8);
        writer.WriteBinHeader(outputBytes);
    }

    private void WritePairs(ref MessagePackWriter writer)
    {
        writer.WriteString("width"u8);
        writer.Write(Width);
        writer.WriteString("height"u8);
        writer.Write(Height);
        writer.WriteString("channels"u8);
        writer.Write(Channels);
        writer.WriteString("bytes"u8);
        writer.Write(Bytes);
        writer.WriteString("decode_ns"u8);
        writer.Write(DecodeNs);
        writer.WriteString("kernel_ns"u8);
        writer.Write(KernelNs);
        writer.WriteString("encode_ns"u8);
        writer.Write(EncodeNs);
    }

    /// <summary>Reads the map from a Result's payload.</summary>
    /// <exception cref="MessagePackSerializationException">Not such a map (or another decoding failure, <see cref="MessagePackReading.IsDecodingFailure"/>).</exception>
    public static FileJobResult Read(ReadOnlySequence<byte> payload)
    {
        var reader = new MessagePackReader(payload);
        var result = default(FileJobResult);
        for (int pairs = reader.ReadMapHeader(); pairs > 0; pairs--)
        {
            result = MessagePackReading.ReadStrictString(ref reader) switch
            {
                "width" => result with { Width = reader.ReadInt32() },
                "height" => result with { Height = reader.ReadInt32() },
                "channels" => result with { Channels = reader.ReadInt32() },
                "bytes" => result with { Bytes = reader.ReadInt64() },
                "decode_ns" => result with { DecodeNs = reader.ReadInt64() },
                "kernel_ns" => result with { KernelNs = reader.ReadInt64() },
                "encode_ns" => result with { EncodeNs = reader.ReadInt64() },
                "output" => result with { Output = reader.ReadBytes() ?? throw new MessagePackSerializationException("'output' must be a bin, not nil."), HasOutput = true },
                _ => Skip(ref reader, result),
            };
        }
        return result;
    }

    private static FileJobResult Skip(ref MessagePackReader reader, FileJobResult result)
    {
        MessagePackReading.SkipValue(ref reader, ProtocolLimits.MaxDepth);
        return result;
    }
}
