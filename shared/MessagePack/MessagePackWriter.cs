using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;

namespace ProcessFarm.Shared.MessagePack;

/// <summary>
/// Writes MessagePack tokens, each in its shortest encoding, to an <see cref="IBufferWriter{T}"/>.
/// </summary>
/// <remarks>
/// Bytes are staged in a span obtained from the output and committed with <see cref="Flush"/>; call it before
/// handing the output to anyone else (flushing a PipeWriter, reading an ArrayBufferWriter). Formats follow
/// https://github.com/msgpack/msgpack/blob/master/spec.md.
/// </remarks>
public ref struct MessagePackWriter
{
    private const int MinimumBufferSize = 4096;

    private readonly IBufferWriter<byte> _output;
    private Span<byte> _span;
    private int _buffered;

    /// <summary>Writes to <paramref name="output"/>.</summary>
    public MessagePackWriter(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
        _span = default;
        _buffered = 0;
    }

    /// <summary>Commits staged bytes to the output.</summary>
    public void Flush()
    {
        if (_buffered > 0)
        {
            _output.Advance(_buffered);
            _buffered = 0;
        }
        _span = default;
    }

    /// <summary>Writes nil.</summary>
    public void WriteNil()
    {
        Reserve(1)[0] = MessagePackCode.Nil;
        _buffered++;
    }

    /// <summary>Writes true or false.</summary>
    public void Write(bool value)
    {
        Reserve(1)[0] = value ? MessagePackCode.True : MessagePackCode.False;
        _buffered++;
    }

    /// <summary>Writes an integer in its shortest form.</summary>
    public void Write(long value) => Commit(MessagePackPrimitives.WriteInt64(Reserve(MessagePackPrimitives.MaxHeaderSize), value));

    /// <summary>Writes a non-negative integer in its shortest form.</summary>
    public void Write(ulong value) => Commit(MessagePackPrimitives.WriteUInt64(Reserve(MessagePackPrimitives.MaxHeaderSize), value));

    /// <summary>Writes an integer in its shortest form.</summary>
    public void Write(int value) => Write((long)value);

    /// <summary>Writes a non-negative integer in its shortest form.</summary>
    public void Write(uint value) => Write((ulong)value);

    /// <summary>Writes float 64.</summary>
    public void Write(double value) => Commit(MessagePackPrimitives.WriteDouble(Reserve(9), value));

    /// <summary>Writes float 32.</summary>
    public void Write(float value) => Commit(MessagePackPrimitives.WriteSingle(Reserve(5), value));

    /// <summary>Writes a str from UTF-16 text, or nil for null.</summary>
    public void Write(string? value)
    {
        if (value is null)
        {
            WriteNil();
            return;
        }
        Write(value.AsSpan());
    }

    /// <summary>Writes a str from UTF-16 text.</summary>
    public void Write(scoped ReadOnlySpan<char> value)
    {
        int byteCount = Encoding.UTF8.GetByteCount(value);
        WriteStringHeader((uint)byteCount);
        Encoding.UTF8.GetBytes(value, Reserve(byteCount));
        _buffered += byteCount;
    }

    /// <summary>Writes a str from bytes that are already UTF-8.</summary>
    public void WriteString(scoped ReadOnlySpan<byte> utf8)
    {
        WriteStringHeader((uint)utf8.Length);
        WriteRaw(utf8);
    }

    /// <summary>Writes a str header; exactly <paramref name="byteCount"/> UTF-8 bytes must follow.</summary>
    public void WriteStringHeader(uint byteCount) => Commit(MessagePackPrimitives.WriteStringHeader(Reserve(MessagePackPrimitives.MaxHeaderSize), byteCount));

    /// <summary>Writes a bin holding <paramref name="bytes"/>.</summary>
    public void WriteBin(scoped ReadOnlySpan<byte> bytes)
    {
        WriteBinHeader((uint)bytes.Length);
        WriteRaw(bytes);
    }

    /// <summary>Writes a bin header; exactly <paramref name="length"/> bytes must follow (see <see cref="GetSpan"/>).</summary>
    public void WriteBinHeader(uint length) => Commit(MessagePackPrimitives.WriteBinHeader(Reserve(MessagePackPrimitives.MaxHeaderSize), length));

    /// <summary>Writes an array header; <paramref name="count"/> values must follow.</summary>
    public void WriteArrayHeader(uint count) => Commit(MessagePackPrimitives.WriteArrayHeader(Reserve(MessagePackPrimitives.MaxHeaderSize), count));

    /// <summary>Writes a map header; <paramref name="count"/> key/value pairs must follow.</summary>
    public void WriteMapHeader(uint count) => Commit(MessagePackPrimitives.WriteMapHeader(Reserve(MessagePackPrimitives.MaxHeaderSize), count));

    /// <summary>Writes an ext header; <see cref="ExtensionHeader.Length"/> bytes must follow.</summary>
    public void WriteExtensionHeader(ExtensionHeader header) => Commit(MessagePackPrimitives.WriteExtensionHeader(Reserve(MessagePackPrimitives.MaxHeaderSize), header));

    /// <summary>Writes a whole ext value.</summary>
    public void WriteExtension(sbyte typeCode, scoped ReadOnlySpan<byte> data)
    {
        WriteExtensionHeader(new ExtensionHeader(typeCode, (uint)data.Length));
        WriteRaw(data);
    }

    /// <summary>Writes a timestamp (ext -1) in the shortest of its 32-, 64- and 96-bit forms.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Nanoseconds above 999,999,999.</exception>
    public void Write(MessagePackTimestamp value)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value.Nanoseconds, 999_999_999u);
        Span<byte> data = stackalloc byte[12];
        if (value.Seconds >= 0 && (value.Seconds >> 34) == 0)
        {
            if (value.Nanoseconds == 0 && value.Seconds <= uint.MaxValue)
            {
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(data, (uint)value.Seconds);
                WriteExtension(MessagePackCode.TimestampExtensionType, data[..4]);
                return;
            }
            ulong packed = ((ulong)value.Nanoseconds << 34) | (ulong)value.Seconds;
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(data, packed);
            WriteExtension(MessagePackCode.TimestampExtensionType, data[..8]);
            return;
        }
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(data, value.Nanoseconds);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(data[4..], value.Seconds);
        WriteExtension(MessagePackCode.TimestampExtensionType, data);
    }

    /// <summary>
    /// Writes <paramref name="values"/> as consecutive array elements <c>[float64, float64]</c>, one per pair
    /// (values[2i], values[2i+1]): the same bytes as WriteArrayHeader(2) and two Write(double) calls per pair, in
    /// bulk. The caller writes the enclosing array's header.
    /// </summary>
    /// <exception cref="ArgumentException">An odd number of values.</exception>
    public void WriteFloat64Pairs(scoped ReadOnlySpan<double> values)
    {
        if (values.Length % 2 != 0)
        {
            throw new ArgumentException("Pairs need an even number of values.", nameof(values));
        }
        const int Size = MessagePackPrimitives.Float64PairSize;
        while (!values.IsEmpty)
        {
            int pairs = Math.Min(values.Length / 2, 4096);
            var output = GetSpan(pairs * Size);
            for (int i = 0; i < pairs; i++)
            {
                MessagePackPrimitives.WriteFloat64Pair(output.Slice(i * Size, Size), values[2 * i], values[(2 * i) + 1]);
            }
            Advance(pairs * Size);
            values = values[(2 * pairs)..];
        }
    }

    /// <summary>Copies bytes that are already MessagePack (or the body of a str/bin/ext) to the output.</summary>
    public void WriteRaw(scoped ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length <= _span.Length - _buffered)
        {
            bytes.CopyTo(_span[_buffered..]);
            _buffered += bytes.Length;
            return;
        }
        WriteRawSlow(bytes);
    }

    /// <summary>
    /// A span of at least <paramref name="sizeHint"/> bytes to write into directly (for example a bin body
    /// produced by a kernel); follow with <see cref="Advance"/>.
    /// </summary>
    public Span<byte> GetSpan(int sizeHint) => Reserve(Math.Max(1, sizeHint));

    /// <summary>Marks bytes written into the last <see cref="GetSpan"/> as part of the output.</summary>
    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _span.Length - _buffered);
        _buffered += count;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Span<byte> Reserve(int size)
    {
        if (_span.Length - _buffered < size)
        {
            Grow(size);
        }
        return _span[_buffered..];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Commit(int written) => _buffered += written;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow(int size)
    {
        Flush();
        _span = _output.GetSpan(Math.Max(size, MinimumBufferSize));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void WriteRawSlow(scoped ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            if (_span.Length == _buffered)
            {
                Grow(Math.Min(bytes.Length, 1 << 20));
            }
            int chunk = Math.Min(bytes.Length, _span.Length - _buffered);
            bytes[..chunk].CopyTo(_span[_buffered..]);
            _buffered += chunk;
            bytes = bytes[chunk..];
        }
    }
}
