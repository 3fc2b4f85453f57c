from django.urls import path

from apps.todos import views

urlpatterns = [
    path("trips/<uuid:trip_id>/todos", views.TodoListCreateView.as_view(), name="todo-list"),
    path(
        "trips/<uuid:trip_id>/todos/<uuid:todo_id>",
        views.TodoDetailView.as_view(),
        name="todo-detail",
    ),
]
