using System.Buffers.Binary;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace HpcMsg.Bootstrap;

/// <summary>
/// Mutual challenge-response proof of the job secret, run on every new TCP connection (rank to rank
/// and rank to hpcrun's rendezvous) before anything else is read from it:
/// <code>
///  acceptor -> connector : magic "HPCMSGA1" (8) | acceptor nonce (32)
///  connector -> acceptor : magic (8) | connector rank (4) | connector nonce (32) | HMAC(secret, "client" | nonces | rank) (32)
///  acceptor -> connector : HMAC(secret, "server" | nonces | rank) (32)
/// </code>
/// Fixed sizes, so nothing read from a stranger sizes an allocation; a timeout, so that a silent
/// stranger cannot hold an acceptor.
/// </summary>
internal static class JobAuth
{
    private const ulong Magic = 0x3141_4753_4D43_5048; // "HPCMSGA1" little-endian
    private const int NonceBytes = 32;
    private const int MacBytes = 32;
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Connector side: proves itself as <paramref name="rank"/> and checks the acceptor's proof.</summary>
    public static void Connect(Socket socket, byte[] secret, int rank)
    {
        WithTimeout(socket);
        Span<byte> hello = stackalloc byte[HelloBytes];
        ReceiveAll(socket, hello);
        Span<byte> reply = stackalloc byte[ReplyBytes];
        MakeReply(secret, rank, hello, reply);
        SendAll(socket, reply);
        Span<byte> proof = stackalloc byte[MacBytes];
        ReceiveAll(socket, proof);
        CheckProof(secret, rank, hello, reply, proof);
        Done(socket);
    }

    /// <summary>Connector side on a non-blocking socket, waiting for it with poll(2) (<see cref="Socket.Poll(TimeSpan, SelectMode)"/>)
    /// until <see cref="HandshakeTimeout"/> has passed: neither blocking nor asynchronous socket calls,
    /// so that the runtime's socket engine never registers the descriptor (see TcpMesh). Throws
    /// AuthenticationFailed, SocketException (TimedOut), or ObjectDisposedException once the socket is closed.</summary>
    public static void ConnectPolled(Socket socket, byte[] secret, int rank)
    {
        long deadline = Environment.TickCount64 + (long)HandshakeTimeout.TotalMilliseconds;
        Span<byte> hello = stackalloc byte[HelloBytes];
        ReceiveAllPolled(socket, hello, deadline);
        Span<byte> reply = stackalloc byte[ReplyBytes];
        MakeReply(secret, rank, hello, reply);
        SendAllPolled(socket, reply, deadline);
        Span<byte> proof = stackalloc byte[MacBytes];
        ReceiveAllPolled(socket, proof, deadline);
        CheckProof(secret, rank, hello, reply, proof);
    }

    /// <summary>Acceptor side on a non-blocking socket (see <see cref="ConnectPolled"/>). Returns the
    /// proven rank of the connector.</summary>
    public static int AcceptPolled(Socket socket, byte[] secret)
    {
        long deadline = Environment.TickCount64 + (long)HandshakeTimeout.TotalMilliseconds;
        Span<byte> hello = stackalloc byte[HelloBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(hello, Magic);
        RandomNumberGenerator.Fill(hello[8..]);
        SendAllPolled(socket, hello, deadline);
        Span<byte> reply = stackalloc byte[ReplyBytes];
        ReceiveAllPolled(socket, reply, deadline);
        Span<byte> proof = stackalloc byte[MacBytes];
        int rank = CheckReply(secret, hello, reply, proof);
        SendAllPolled(socket, proof, deadline);
        return rank;
    }

    /// <summary>Writes all of <paramref name="data"/> to a non-blocking socket by <paramref name="deadline"/> (<see cref="Environment.TickCount64"/>).</summary>
    public static void SendAllPolled(Socket socket, ReadOnlySpan<byte> data, long deadline)
    {
        while (!data.IsEmpty)
        {
            int n = socket.Send(data, SocketFlags.None, out SocketError error);
            if (error == SocketError.WouldBlock) AwaitReady(socket, SelectMode.SelectWrite, deadline);
            else if (error != SocketError.Success) throw new SocketException((int)error);
            else data = data[n..];
        }
    }

    /// <summary>Fills <paramref name="buffer"/> from a non-blocking socket by <paramref name="deadline"/> (<see cref="Environment.TickCount64"/>).</summary>
    public static void ReceiveAllPolled(Socket socket, Span<byte> buffer, long deadline)
    {
        while (!buffer.IsEmpty)
        {
            int n = socket.Receive(buffer, SocketFlags.None, out SocketError error);
            if (error == SocketError.WouldBlock) AwaitReady(socket, SelectMode.SelectRead, deadline);
            else if (error != SocketError.Success) throw new SocketException((int)error);
            else if (n == 0) throw new AuthenticationFailedException("the peer closed the connection during the handshake");
            else buffer = buffer[n..];
        }
    }

    /// <summary>Waits for a non-blocking socket in slices of 100 ms (a close by another thread is
    /// noticed at the next slice) until <paramref name="deadline"/>.</summary>
    private static void AwaitReady(Socket socket, SelectMode mode, long deadline)
    {
        while (!socket.Poll(TimeSpan.FromMilliseconds(100), mode))
        {
            if (Environment.TickCount64 > deadline) throw new SocketException((int)SocketError.TimedOut);
        }
    }

    /// <summary>Acceptor side, without a thread: asynchronous socket calls, so that a rank (or hpcrun)
    /// admits many connections at once with no thread per handshake. Returns the proven rank of the
    /// connector; throws AuthenticationFailed. Bounded by
    /// <see cref="HandshakeTimeout"/> against a silent stranger.</summary>
    public static async Task<int> AcceptAsync(Socket socket, byte[] secret, CancellationToken stop = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
        timeout.CancelAfter(HandshakeTimeout);
        byte[] buffer = new byte[HelloBytes + ReplyBytes + MacBytes];
        Memory<byte> hello = buffer.AsMemory(0, HelloBytes);
        Memory<byte> reply = buffer.AsMemory(HelloBytes, ReplyBytes);
        Memory<byte> proof = buffer.AsMemory(HelloBytes + ReplyBytes, MacBytes);
        BinaryPrimitives.WriteUInt64LittleEndian(hello.Span, Magic);
        RandomNumberGenerator.Fill(hello.Span[8..]);
        try
        {
            await SendAllAsync(socket, hello, timeout.Token).ConfigureAwait(false);
            await ReceiveAllAsync(socket, reply, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            throw new AuthenticationFailedException($"the peer did not complete the handshake within {HandshakeTimeout.TotalSeconds:F0} s");
        }
        int rank = CheckReply(secret, hello.Span, reply.Span, proof.Span);
        await SendAllAsync(socket, proof, timeout.Token).ConfigureAwait(false);
        return rank;
    }

    /// <summary>Connector side without a thread (see <see cref="AcceptAsync"/>).</summary>
    public static async Task ConnectAsync(Socket socket, byte[] secret, int rank, CancellationToken stop = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
        timeout.CancelAfter(HandshakeTimeout);
        byte[] buffer = new byte[HelloBytes + ReplyBytes + MacBytes];
        Memory<byte> hello = buffer.AsMemory(0, HelloBytes);
        Memory<byte> reply = buffer.AsMemory(HelloBytes, ReplyBytes);
        Memory<byte> proof = buffer.AsMemory(HelloBytes + ReplyBytes, MacBytes);
        try
        {
            await ReceiveAllAsync(socket, hello, timeout.Token).ConfigureAwait(false);
            MakeReply(secret, rank, hello.Span, reply.Span);
            await SendAllAsync(socket, reply, timeout.Token).ConfigureAwait(false);
            await ReceiveAllAsync(socket, proof, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            throw new AuthenticationFailedException($"the peer did not complete the handshake within {HandshakeTimeout.TotalSeconds:F0} s");
        }
        CheckProof(secret, rank, hello.Span, reply.Span, proof.Span);
    }

    private const int HelloBytes = 8 + NonceBytes;
    private const int ReplyBytes = 8 + 4 + NonceBytes + MacBytes;

    /// <summary>Checks the connector's reply to <paramref name="hello"/>; writes the acceptor's proof. Returns the proven rank.</summary>
    private static int CheckReply(byte[] secret, ReadOnlySpan<byte> hello, ReadOnlySpan<byte> reply, Span<byte> proof)
    {
        if (BinaryPrimitives.ReadUInt64LittleEndian(reply) != Magic) throw new AuthenticationFailedException("the peer did not speak the HpcMsg handshake");
        int rank = BinaryPrimitives.ReadInt32LittleEndian(reply[8..]);
        ReadOnlySpan<byte> serverNonce = hello[8..];
        ReadOnlySpan<byte> clientNonce = reply.Slice(12, NonceBytes);
        Span<byte> expected = stackalloc byte[MacBytes];
        Mac(secret, "client", serverNonce, clientNonce, rank, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, reply.Slice(12 + NonceBytes, MacBytes)))
            throw new AuthenticationFailedException($"the peer claiming rank {rank} does not know the job secret");
        Mac(secret, "server", serverNonce, clientNonce, rank, proof);
        return rank;
    }

    private static void MakeReply(byte[] secret, int rank, ReadOnlySpan<byte> hello, Span<byte> reply)
    {
        if (BinaryPrimitives.ReadUInt64LittleEndian(hello) != Magic) throw new AuthenticationFailedException("the peer did not speak the HpcMsg handshake");
        BinaryPrimitives.WriteUInt64LittleEndian(reply, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(reply[8..], rank);
        RandomNumberGenerator.Fill(reply.Slice(12, NonceBytes));
        Mac(secret, "client", hello[8..], reply.Slice(12, NonceBytes), rank, reply.Slice(12 + NonceBytes, MacBytes));
    }

    private static void CheckProof(byte[] secret, int rank, ReadOnlySpan<byte> hello, ReadOnlySpan<byte> reply, ReadOnlySpan<byte> proof)
    {
        Span<byte> expected = stackalloc byte[MacBytes];
        Mac(secret, "server", hello[8..], reply.Slice(12, NonceBytes), rank, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, proof))
            throw new AuthenticationFailedException("the peer does not know the job secret");
    }

    public static async ValueTask SendAllAsync(Socket socket, ReadOnlyMemory<byte> data, CancellationToken stop)
    {
        while (!data.IsEmpty) data = data[await socket.SendAsync(data, SocketFlags.None, stop).ConfigureAwait(false)..];
    }

    public static async ValueTask ReceiveAllAsync(Socket socket, Memory<byte> buffer, CancellationToken stop)
    {
        while (!buffer.IsEmpty)
        {
            int n = await socket.ReceiveAsync(buffer, SocketFlags.None, stop).ConfigureAwait(false);
            if (n == 0) throw new AuthenticationFailedException("the peer closed the connection during the handshake");
            buffer = buffer[n..];
        }
    }

    private static void Mac(byte[] secret, string role, ReadOnlySpan<byte> serverNonce, ReadOnlySpan<byte> clientNonce, int rank, Span<byte> destination)
    {
        Span<byte> data = stackalloc byte[6 + 2 * NonceBytes + 4];
        Encoding.ASCII.GetBytes(role, data);
        serverNonce.CopyTo(data[6..]);
        clientNonce.CopyTo(data[(6 + NonceBytes)..]);
        BinaryPrimitives.WriteInt32LittleEndian(data[(6 + 2 * NonceBytes)..], rank);
        HMACSHA256.HashData(secret, data, destination);
    }

    private static void WithTimeout(Socket socket)
    {
        socket.ReceiveTimeout = (int)HandshakeTimeout.TotalMilliseconds;
        socket.SendTimeout = (int)HandshakeTimeout.TotalMilliseconds;
    }

    private static void Done(Socket socket)
    {
        socket.ReceiveTimeout = 0;
        socket.SendTimeout = 0;
    }

    public static void SendAll(Socket socket, ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty) data = data[socket.Send(data)..];
    }

    public static void ReceiveAll(Socket socket, Span<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            int n = socket.Receive(buffer);
            if (n == 0) throw new AuthenticationFailedException("the peer closed the connection during the handshake");
            buffer = buffer[n..];
        }
    }
}

/// <summary>A connection that did not prove it belongs to the job.</summary>
internal sealed class AuthenticationFailedException(string message) : HpcMsgException(message);
