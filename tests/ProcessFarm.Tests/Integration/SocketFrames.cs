using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using ProcessFarm.Shared.Protocol;
using Xunit;

namespace ProcessFarm.Tests.Integration;

/// <summary>
/// Whole frames over a plain socket, for the tests that play one end of a TCP worker connection by hand (a hostile
/// client against the coordinator's listener, a hostile coordinator against a worker).
/// </summary>
internal static class SocketFrames
{
    public static async Task SendAsync(Socket socket, Action<FrameWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        write(new FrameWriter(buffer));
        await socket.SendAsync(buffer.WrittenMemory).AsTask().DefaultTimeout();
    }

    public static async Task<ReadOnlySequence<byte>> ReadFrameAsync(Socket socket)
    {
        byte[] header = await ReceiveExactlyAsync(socket, ProtocolLimits.FrameHeaderSize);
        return new ReadOnlySequence<byte>(await ReceiveExactlyAsync(socket, BinaryPrimitives.ReadInt32BigEndian(header)));
    }

    public static async Task<byte[]> ReceiveExactlyAsync(Socket socket, int length)
    {
        byte[] buffer = new byte[length];
        for (int received = 0; received < length;)
        {
            int read = await socket.ReceiveAsync(buffer.AsMemory(received)).AsTask().DefaultTimeout();
            Assert.True(read > 0, "the peer closed the connection");
            received += read;
        }
        return buffer;
    }
}
