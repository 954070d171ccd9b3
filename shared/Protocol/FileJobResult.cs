using System.Buffers;
using MessagePack;
using ProcessFarm.Shared.MessagePack;

namespace ProcessFarm.Shared.Protocol;

/// <summary>
/// The payload of a <c>file</c> job's Result: the map <c>{"width", "height", "channels", "bytes", "decode_ns",
/// "kernel_ns", "encode_ns"}</c> (docs/PROTOCOL.md). Unknown keys are skipped when reading, so the map may grow.
/// </summary>
public readonly record struct FileJobResult(int Width, int Height, int Channels, long Bytes, long DecodeNs, long KernelNs, long EncodeNs)
{
    /// <summary>Writes the map.</summary>
    public void Write(ref MessagePackWriter writer)
    {
        writer.WriteMapHeader(7);
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
