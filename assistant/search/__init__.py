"""Finding what answers a question: the question's analysis (query, scope, catalog), the
ranked lists and their fusion (retrieval, fusion, phrases, replies), the learned passage
ranker, and the choice of the figure that answers (figure_choice, figure_features,
figure_rows, figure_model). Imports the library, documents, figures and text, never answers."""
