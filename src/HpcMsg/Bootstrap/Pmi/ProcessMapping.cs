using System.Globalization;

namespace HpcMsg.Bootstrap.Pmi;

/// <summary>
/// MPICH's node map, which both process managers hand out: Slurm's PMI-2 as the job attribute
/// <c>PMI_process_mapping</c> (<c>info-getjobattr</c>), Hydra's PMI-1 as the key of that name in the
/// job's KVS. Its form is <c>(vector,(start,nodes,ranks),...)</c>: each block puts <c>ranks</c>
/// consecutive ranks on each of the <c>nodes</c> nodes from node <c>start</c> on, in order, and when
/// the blocks cover fewer ranks than the job has, the list starts again (Slurm writes a cyclic
/// distribution of 4 ranks over 2 nodes as <c>(vector,(0,2,1),(0,2,1))</c>, or shorter as
/// <c>(vector,(0,2,1))</c>). Block 4 ranks over 2 nodes is <c>(vector,(0,2,2))</c>; 2, 2 and 1 ranks
/// on 3 nodes <c>(vector,(0,2,2),(2,1,1))</c>. Several <c>(vector,...)</c> groups in one value
/// are read as one list of blocks, in order.
/// <para>With it a rank knows every rank's node from one request, instead of one <c>get</c> per rank
/// (n² requests at the server for the job). Anything else (missing, empty, malformed, a block of
/// zero ranks) gives null, and the caller falls back to reading every rank's node from the KVS:
/// never an exception, never a guess.</para>
/// </summary>
internal static class ProcessMapping
{
    /// <summary>The key (PMI-1 KVS) and job attribute (PMI-2) that carry the map.</summary>
    public const string Key = "PMI_process_mapping";

    /// <summary>The node of each of the <paramref name="size"/> ranks, numbered as the map numbers
    /// them; null when <paramref name="mapping"/> is absent or not of the documented form.</summary>
    public static int[]? NodesOf(string? mapping, int size)
    {
        if (string.IsNullOrWhiteSpace(mapping) || size < 1) return null;
        List<(int Start, int Nodes, int Ranks)>? blocks = Parse(mapping);
        if (blocks is null || blocks.Count == 0) return null;
        var nodeOf = new int[size];
        int rank = 0;
        while (rank < size)
        {
            foreach ((int start, int nodes, int ranks) in blocks)
            {
                for (int n = 0; n < nodes && rank < size; n++)
                    for (int k = 0; k < ranks && rank < size; k++)
                        nodeOf[rank++] = start + n;
                if (rank == size) break;
            }
        }
        return nodeOf;
    }

    /// <summary>The blocks of every <c>(vector,...)</c> group; null on anything else.</summary>
    private static List<(int, int, int)>? Parse(string text)
    {
        var blocks = new List<(int, int, int)>();
        var r = new Reader(text);
        r.SkipSpace();
        if (r.AtEnd) return null;
        while (!r.AtEnd)
        {
            if (!r.Take('(') || !r.TakeWord("vector")) return null;
            while (r.Take(','))
            {
                if (!r.Take('(') || !r.Int(out int start) || !r.Take(',') || !r.Int(out int nodes) || !r.Take(',') || !r.Int(out int ranks) || !r.Take(')'))
                    return null;
                if (start < 0 || nodes < 1 || ranks < 1 || (long)start + nodes > int.MaxValue) return null;
                blocks.Add((start, nodes, ranks));
            }
            if (!r.Take(')')) return null;
            r.Take(','); // groups may be separated by a comma
            r.SkipSpace();
        }
        return blocks;
    }

    /// <summary>A cursor over the value: punctuation and integers, spaces allowed between them.</summary>
    private ref struct Reader(string text)
    {
        private readonly string _text = text;
        private int _at;

        public readonly bool AtEnd => _at >= _text.Length;

        public void SkipSpace()
        {
            while (_at < _text.Length && char.IsWhiteSpace(_text[_at])) _at++;
        }

        public bool Take(char c)
        {
            SkipSpace();
            if (_at >= _text.Length || _text[_at] != c) return false;
            _at++;
            return true;
        }

        public bool TakeWord(string word)
        {
            SkipSpace();
            if (string.CompareOrdinal(_text, _at, word, 0, word.Length) != 0) return false;
            _at += word.Length;
            return true;
        }

        public bool Int(out int value)
        {
            SkipSpace();
            int begin = _at;
            while (_at < _text.Length && char.IsAsciiDigit(_text[_at])) _at++;
            return int.TryParse(_text.AsSpan(begin, _at - begin), NumberStyles.None, CultureInfo.InvariantCulture, out value);
        }
    }
}
