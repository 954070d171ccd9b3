using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using ProcessFarm.Shared.Protocol;
using Xunit;

namespace ProcessFarm.Tests.Protocol;

public class FrameReaderTests
{
    [Fact]
    public void TryReadFrame_Incomplete_ReturnsFalseAndLeavesBuffer()
    {
        byte[] frame = Frames(w => w.WriteShutdown());
        for (int cut = 0; cut < frame.Length; cut++)
        {
            var buffer = new ReadOnlySequence<byte>(frame, 0, cut);
            Assert.False(FrameReader.TryReadFrame(ref buffer, out _));
            Assert.Equal(cut, buffer.Length);
        }
    }

    [Fact]
    public void TryReadFrame_DeclaredLengthOverLimit_Throws()
    {
        byte[] prefix = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(prefix, ProtocolLimits.MaxFrameBytes + 1u);
        var buffer = new ReadOnlySequence<byte>(prefix);
        var error = Assert.Throws<ProtocolException>(() => FrameReader.TryReadFrame(ref buffer, out _));
        Assert.Equal(ErrorCode.FrameTooLarge, error.Code);
    }

    [Fact]
    public async Task PipeReader_OneByteAtATime_YieldsEveryFrame()
    {
        // Arrange: three frames of different kinds back to back.
        byte[] payload = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();
        byte[] stream = Frames(w =>
        {
            w.WriteJob(1, new LutTileParameters(1, 2, new TileShape(10, 25, 4)), payload);
            w.WriteShutdown();
            w.WriteError(new ErrorMessage(null, ErrorCode.Malformed, "x"));
        });
        var reader = PipeReader.Create(new OneByteAtATimeStream(stream));

        // Act
        var types = new List<MessageType>();
        byte[]? received = null;
        while (true)
        {
            var read = await reader.ReadAsync().AsTask().DefaultTimeout();
            var buffer = read.Buffer;
            while (FrameReader.TryReadFrame(ref buffer, out var body))
            {
                var type = FrameReader.ReadType(body);
                types.Add(type);
                if (type == MessageType.Job)
                {
                    received = FrameReader.ReadJob(body).Payload.ToArray();
                }
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
            if (read.IsCompleted)
            {
                Assert.True(buffer.IsEmpty);
                break;
            }
        }

        // Assert
        Assert.Equal([MessageType.Job, MessageType.Shutdown, MessageType.Error], types);
        Assert.Equal(payload, received);
    }

    [Fact]
    public void ReadJob_UnknownKind_IsUnknownKind()
    {
        byte[] frame = RawFrame([0x95, 0x03, 0x01, 0xa4, (byte)'b', (byte)'l', (byte)'u', (byte)'r', 0x80, 0xc0]);
        var body = Body(frame);
        var error = Assert.Throws<ProtocolException>(() => FrameReader.ReadJob(body));
        Assert.Equal(ErrorCode.UnknownKind, error.Code);
    }

    [Fact]
    public void ReadJob_NotAnArray_IsMalformed()
    {
        var error = Assert.Throws<ProtocolException>(() => FrameReader.ReadJob(Body(RawFrame([0xa1, 0x61]))));
        Assert.Equal(ErrorCode.Malformed, error.Code);
    }

    [Fact]
    public void ReadJob_TooFewFields_IsMalformed()
    {
        var error = Assert.Throws<ProtocolException>(() => FrameReader.ReadJob(Body(RawFrame([0x92, 0x03, 0x01]))));
        Assert.Equal(ErrorCode.Malformed, error.Code);
    }

    [Fact]
    public void ReadJob_UnknownParameterKeys_AreIgnored()
    {
        // [3, 7, "fib", {"n": 10, "future": [1, 2]}, nil]
        byte[] body = [0x95, 0x03, 0x07, 0xa3, (byte)'f', (byte)'i', (byte)'b', 0x82, 0xa1, (byte)'n', 0x0a,
            0xa6, (byte)'f', (byte)'u', (byte)'t', (byte)'u', (byte)'r', (byte)'e', 0x92, 0x01, 0x02, 0xc0];
        var job = FrameReader.ReadJob(Body(RawFrame(body)));
        Assert.Equal(new FibParameters(10), job.Parameters);
    }

    private static byte[] Frames(Action<FrameWriter> write)
    {
        var output = new ArrayBufferWriter<byte>();
        write(new FrameWriter(output));
        return output.WrittenSpan.ToArray();
    }

    private static byte[] RawFrame(byte[] body)
    {
        byte[] frame = new byte[4 + body.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)body.Length);
        body.CopyTo(frame, 4);
        return frame;
    }

    private static ReadOnlySequence<byte> Body(byte[] frame)
    {
        var buffer = new ReadOnlySequence<byte>(frame);
        Assert.True(FrameReader.TryReadFrame(ref buffer, out var body));
        return body;
    }
}
