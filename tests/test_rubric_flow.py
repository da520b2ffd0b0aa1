"""Rubric and claim checks on the shapes real LLM-written Snake games take.

Each program below is written in one of the common styles (the tutorial template with
``snake_List`` and a recursive ``gameLoop``, the ``snake_position``/``snake_body`` script, class
based games with ``Vector2`` or ``positions``, flags and helper functions, curses, canvas
JavaScript) and each assertion is the verdict a careful reader gives, including the negative
ones: a game without self-collision must not get it, a wrap-around board has no wall collision,
a speed-up on every apple is not a timed speed item.
"""

from __future__ import annotations

import textwrap

import pytest

from evalkit.extract import extract
from evalkit.scorers import claims, features
from evalkit.suites import Task, load_suites


@pytest.fixture(scope="module")
def snake():
    return load_suites(["snake"])[0].tasks[0]


def _run(task, code: str, prose: str = "", lang: str = "python"):
    text = f"{prose}\n\n```{lang}\n{textwrap.dedent(code).strip()}\n```\n"
    ex = extract(text, language_hint=task.language)
    arts = {"extraction": ex}
    fc = features.score(task, ex, arts)[0]
    cc = claims.score(task, ex, arts)[0]
    return fc, cc


def _found(fc) -> dict:
    return {f["id"]: f["found"] for f in fc.details["features"]}


def _feature(fc, fid) -> dict:
    return next(f for f in fc.details["features"] if f["id"] == fid)


def _verdicts(cc) -> dict:
    out = {}
    for c in cc.details["claims"]:
        key = {"feature": c.get("feature"), "control": c.get("key"), "identifier": c.get("name"),
               "file": c.get("file")}.get(c["kind"])
        if c["kind"] == "number":
            key = (c["feature"], c["value"])
        out[(c["kind"], key)] = c["verdict"]
    return out


# ------------------------------------------------------------------ the tutorial template

TUTORIAL = """
import pygame
import time
import random

pygame.init()

white = (255, 255, 255)
black = (0, 0, 0)
red = (213, 50, 80)
green = (0, 255, 0)
blue = (50, 153, 213)

dis_width = 600
dis_height = 400

dis = pygame.display.set_mode((dis_width, dis_height))
pygame.display.set_caption('Snake Game')

clock = pygame.time.Clock()

snake_block = 10
snake_speed = 15

font_style = pygame.font.SysFont("bahnschrift", 25)
score_font = pygame.font.SysFont("comicsansms", 35)


def Your_score(score):
    value = score_font.render("Your Score: " + str(score), True, black)
    dis.blit(value, [0, 0])


def our_snake(snake_block, snake_list):
    for x in snake_list:
        pygame.draw.rect(dis, black, [x[0], x[1], snake_block, snake_block])


def message(msg, color):
    mesg = font_style.render(msg, True, color)
    dis.blit(mesg, [dis_width / 6, dis_height / 3])


def gameLoop():
    game_over = False
    game_close = False

    x1 = dis_width / 2
    y1 = dis_height / 2

    x1_change = 0
    y1_change = 0

    snake_List = []
    Length_of_snake = 1

    foodx = round(random.randrange(0, dis_width - snake_block) / 10.0) * 10.0
    foody = round(random.randrange(0, dis_height - snake_block) / 10.0) * 10.0

    while not game_over:

        while game_close == True:
            dis.fill(blue)
            message("You Lost! Press C-Play Again or Q-Quit", red)
            Your_score(Length_of_snake - 1)
            pygame.display.update()

            for event in pygame.event.get():
                if event.type == pygame.KEYDOWN:
                    if event.key == pygame.K_q:
                        game_over = True
                        game_close = False
                    if event.key == pygame.K_c:
                        gameLoop()

        for event in pygame.event.get():
            if event.type == pygame.QUIT:
                game_over = True
            if event.type == pygame.KEYDOWN:
                if event.key == pygame.K_LEFT:
                    x1_change = -snake_block
                    y1_change = 0
                elif event.key == pygame.K_RIGHT:
                    x1_change = snake_block
                    y1_change = 0
                elif event.key == pygame.K_UP:
                    y1_change = -snake_block
                    x1_change = 0
                elif event.key == pygame.K_DOWN:
                    y1_change = snake_block
                    x1_change = 0

        if x1 >= dis_width or x1 < 0 or y1 >= dis_height or y1 < 0:
            game_close = True
        x1 += x1_change
        y1 += y1_change
        dis.fill(blue)
        pygame.draw.rect(dis, green, [foodx, foody, snake_block, snake_block])
        snake_Head = []
        snake_Head.append(x1)
        snake_Head.append(y1)
        snake_List.append(snake_Head)
        if len(snake_List) > Length_of_snake:
            del snake_List[0]

        for x in snake_List[:-1]:
            if x == snake_Head:
                game_close = True

        our_snake(snake_block, snake_List)
        Your_score(Length_of_snake - 1)

        pygame.display.update()

        if x1 == foodx and y1 == foody:
            foodx = round(random.randrange(0, dis_width - snake_block) / 10.0) * 10.0
            foody = round(random.randrange(0, dis_height - snake_block) / 10.0) * 10.0
            Length_of_snake += 1

        clock.tick(snake_speed)

    pygame.quit()
    quit()


gameLoop()
"""

TUTORIAL_PROSE = """Here is a simple Snake game in Python using pygame.

- Use the arrow keys to move the snake.
- Eat the food to grow longer; your score is shown at the top.
- The game ends if you hit the border or run into yourself. Press C to play again or Q to quit.
"""


def test_tutorial_template_is_recognised(snake):
    fc, cc = _run(snake, TUTORIAL, TUTORIAL_PROSE)
    assert _found(fc) == {
        "grid_movement": True, "wall_collision": True, "self_collision": True, "food_growth": True,
        "speed_item": False, "ice_shield": False, "skin_item": False, "items_awarded": False,
        "pause": False, "score": True}
    # self-collision: the loop over snake_List[:-1] compares each segment with the head
    assert [e["line"] for e in _feature(fc, "self_collision")["evidence"]] == [105, 106]
    assert [e["line"] for e in _feature(fc, "wall_collision")["evidence"]] == [92]
    v = _verdicts(cc)
    assert v[("feature", "wall_collision")] == "supported"      # "the border"
    assert v[("feature", "self_collision")] == "supported"
    assert v[("control", "arrow keys")] == "supported"
    assert v[("control", "C")] == "supported" and v[("control", "Q")] == "supported"
    assert cc.value == 1.0


def test_tutorial_without_the_self_check_does_not_get_it(snake):
    code = TUTORIAL.replace("""        for x in snake_List[:-1]:
            if x == snake_Head:
                game_close = True
""", """        for x in snake_List[:-1]:
            pygame.draw.circle(dis, red, (int(x[0]), int(x[1])), 2)
""")
    fc, cc = _run(snake, code, TUTORIAL_PROSE)
    assert _found(fc)["self_collision"] is False and _found(fc)["wall_collision"] is True
    assert _verdicts(cc)[("feature", "self_collision")] == "unsupported"


# ------------------------------------------------------------------ snake_position / snake_body script

POSITION_SCRIPT = """
import pygame
import time
import random

snake_speed = 15
window_x = 720
window_y = 480
black = pygame.Color(0, 0, 0)
white = pygame.Color(255, 255, 255)
green = pygame.Color(0, 255, 0)

pygame.init()
game_window = pygame.display.set_mode((window_x, window_y))
fps = pygame.time.Clock()

snake_position = [100, 50]
snake_body = [[100, 50], [90, 50], [80, 50], [70, 50]]
fruit_position = [random.randrange(1, (window_x // 10)) * 10, random.randrange(1, (window_y // 10)) * 10]
fruit_spawn = True
direction = 'RIGHT'
change_to = direction
score = 0


def show_score(color, font, size):
    score_font = pygame.font.SysFont(font, size)
    score_surface = score_font.render('Score : ' + str(score), True, color)
    game_window.blit(score_surface, score_surface.get_rect())


def game_over():
    my_font = pygame.font.SysFont('times new roman', 50)
    game_over_surface = my_font.render('Your Score is : ' + str(score), True, white)
    game_window.blit(game_over_surface, game_over_surface.get_rect())
    pygame.display.flip()
    time.sleep(2)
    pygame.quit()
    quit()


while True:
    for event in pygame.event.get():
        if event.type == pygame.KEYDOWN:
            if event.key == pygame.K_UP:
                change_to = 'UP'
            if event.key == pygame.K_DOWN:
                change_to = 'DOWN'
            if event.key == pygame.K_LEFT:
                change_to = 'LEFT'
            if event.key == pygame.K_RIGHT:
                change_to = 'RIGHT'

    if change_to == 'UP' and direction != 'DOWN':
        direction = 'UP'
    if change_to == 'DOWN' and direction != 'UP':
        direction = 'DOWN'
    if change_to == 'LEFT' and direction != 'RIGHT':
        direction = 'LEFT'
    if change_to == 'RIGHT' and direction != 'LEFT':
        direction = 'RIGHT'

    if direction == 'UP':
        snake_position[1] -= 10
    if direction == 'DOWN':
        snake_position[1] += 10
    if direction == 'LEFT':
        snake_position[0] -= 10
    if direction == 'RIGHT':
        snake_position[0] += 10

    snake_body.insert(0, list(snake_position))
    if snake_position[0] == fruit_position[0] and snake_position[1] == fruit_position[1]:
        score += 10
        fruit_spawn = False
    else:
        snake_body.pop()

    if not fruit_spawn:
        fruit_position = [random.randrange(1, (window_x // 10)) * 10, random.randrange(1, (window_y // 10)) * 10]
    fruit_spawn = True
    game_window.fill(black)

    for pos in snake_body:
        pygame.draw.rect(game_window, green, pygame.Rect(pos[0], pos[1], 10, 10))
    pygame.draw.rect(game_window, white, pygame.Rect(fruit_position[0], fruit_position[1], 10, 10))

    if snake_position[0] < 0 or snake_position[0] > window_x - 10:
        game_over()
    if snake_position[1] < 0 or snake_position[1] > window_y - 10:
        game_over()

    for block in snake_body[1:]:
        if snake_position[0] == block[0] and snake_position[1] == block[1]:
            game_over()

    show_score(white, 'times new roman', 20)
    pygame.display.update()
    fps.tick(snake_speed)
"""


def test_position_script(snake):
    fc, _ = _run(snake, POSITION_SCRIPT)
    got = _found(fc)
    assert got["grid_movement"] and got["wall_collision"] and got["self_collision"] and got["food_growth"]
    assert got["score"] and not got["speed_item"] and not got["pause"]
    # the head is the position the code inserts into snake_body, compared field by field
    assert [e["line"] for e in _feature(fc, "self_collision")["evidence"]] == [92, 93]


# ------------------------------------------------------------------ class based, Vector2

VECTOR2 = """
import pygame, sys, random
from pygame.math import Vector2

cell_size = 40
cell_number = 20


class SNAKE:
    def __init__(self):
        self.body = [Vector2(5, 10), Vector2(4, 10), Vector2(3, 10)]
        self.direction = Vector2(0, 0)
        self.new_block = False

    def draw_snake(self):
        for block in self.body:
            block_rect = pygame.Rect(int(block.x * cell_size), int(block.y * cell_size), cell_size, cell_size)
            pygame.draw.rect(screen, (183, 111, 122), block_rect)

    def move_snake(self):
        if self.new_block:
            body_copy = self.body[:]
            body_copy.insert(0, body_copy[0] + self.direction)
            self.body = body_copy[:]
            self.new_block = False
        else:
            body_copy = self.body[:-1]
            body_copy.insert(0, body_copy[0] + self.direction)
            self.body = body_copy[:]

    def add_block(self):
        self.new_block = True

    def reset(self):
        self.body = [Vector2(5, 10), Vector2(4, 10), Vector2(3, 10)]
        self.direction = Vector2(0, 0)


class FRUIT:
    def __init__(self):
        self.randomize()

    def randomize(self):
        self.x = random.randint(0, cell_number - 1)
        self.y = random.randint(0, cell_number - 1)
        self.pos = Vector2(self.x, self.y)


class MAIN:
    def __init__(self):
        self.snake = SNAKE()
        self.fruit = FRUIT()

    def update(self):
        self.snake.move_snake()
        self.check_collision()
        self.check_fail()

    def check_collision(self):
        if self.fruit.pos == self.snake.body[0]:
            self.fruit.randomize()
            self.snake.add_block()
        for block in self.snake.body[1:]:
            if block == self.fruit.pos:
                self.fruit.randomize()

    def check_fail(self):
        if not 0 <= self.snake.body[0].x < cell_number or not 0 <= self.snake.body[0].y < cell_number:
            self.game_over()
        for block in self.snake.body[1:]:
            if block == self.snake.body[0]:
                self.game_over()

    def game_over(self):
        self.snake.reset()


pygame.init()
screen = pygame.display.set_mode((cell_number * cell_size, cell_number * cell_size))
clock = pygame.time.Clock()
main_game = MAIN()
SCREEN_UPDATE = pygame.USEREVENT
pygame.time.set_timer(SCREEN_UPDATE, 150)

while True:
    for event in pygame.event.get():
        if event.type == pygame.QUIT:
            pygame.quit()
            sys.exit()
        if event.type == SCREEN_UPDATE:
            main_game.update()
        if event.type == pygame.KEYDOWN:
            if event.key == pygame.K_UP and main_game.snake.direction.y != 1:
                main_game.snake.direction = Vector2(0, -1)
            if event.key == pygame.K_DOWN and main_game.snake.direction.y != -1:
                main_game.snake.direction = Vector2(0, 1)
            if event.key == pygame.K_LEFT and main_game.snake.direction.x != 1:
                main_game.snake.direction = Vector2(-1, 0)
            if event.key == pygame.K_RIGHT and main_game.snake.direction.x != -1:
                main_game.snake.direction = Vector2(1, 0)
    screen.fill((175, 215, 70))
    main_game.snake.draw_snake()
    pygame.display.update()
    clock.tick(60)
"""


def test_vector2_class_game(snake):
    fc, _ = _run(snake, VECTOR2)
    got = _found(fc)
    assert got["wall_collision"] and got["self_collision"] and got["food_growth"]
    assert [e["line"] for e in _feature(fc, "self_collision")["evidence"]] == [69, 70]
    # the fruit respawning off the body is not a self-collision (line 63 compares with the fruit)
    assert 63 not in [e["line"] for e in _feature(fc, "self_collision")["evidence"]]
    assert not got["score"]  # no score is kept at all


# ------------------------------------------------------------------ positions, wrap-around board

POSITIONS_WRAP = """
import pygame, sys, random

SCREEN_WIDTH = 480
SCREEN_HEIGHT = 480
GRIDSIZE = 20
UP, DOWN, LEFT, RIGHT = (0, -1), (0, 1), (-1, 0), (1, 0)


class Snake:
    def __init__(self):
        self.length = 1
        self.positions = [((SCREEN_WIDTH / 2), (SCREEN_HEIGHT / 2))]
        self.direction = random.choice([UP, DOWN, LEFT, RIGHT])
        self.color = (17, 24, 47)
        self.score = 0

    def get_head_position(self):
        return self.positions[0]

    def move(self):
        cur = self.get_head_position()
        x, y = self.direction
        new = (((cur[0] + (x * GRIDSIZE)) % SCREEN_WIDTH), (cur[1] + (y * GRIDSIZE)) % SCREEN_HEIGHT)
        if len(self.positions) > 2 and new in self.positions[2:]:
            self.reset()
        else:
            self.positions.insert(0, new)
            if len(self.positions) > self.length:
                self.positions.pop()

    def reset(self):
        self.length = 1
        self.positions = [((SCREEN_WIDTH / 2), (SCREEN_HEIGHT / 2))]
        self.score = 0


class Food:
    def __init__(self):
        self.position = (0, 0)

    def randomize_position(self):
        self.position = (random.randint(0, 23) * GRIDSIZE, random.randint(0, 23) * GRIDSIZE)


def main():
    snake = Snake()
    food = Food()
    while True:
        snake.move()
        if snake.get_head_position() == food.position:
            snake.length += 1
            snake.score += 1
            food.randomize_position()


main()
"""


def test_positions_and_wrap_around(snake):
    fc, cc = _run(snake, POSITIONS_WRAP, "Walls wrap around, but running into yourself resets the game.")
    got = _found(fc)
    assert got["self_collision"] is True
    assert [e["line"] for e in _feature(fc, "self_collision")["evidence"]] == [24]
    assert got["wall_collision"] is False  # the board wraps: `% SCREEN_WIDTH`, nothing ends on a wall
    # "walls wrap around" claims there is no wall collision, which is true
    wall = next(c for c in cc.details["claims"] if c.get("feature") == "wall_collision")
    assert wall["negated"] is True and wall["verdict"] == "supported"


# ------------------------------------------------------------------ flags, helper functions, other shapes

@pytest.mark.parametrize("code", [
    # a collision test stored in a flag
    """
    def update(self):
        head = (self.snake[0][0] + self.dx, self.snake[0][1] + self.dy)
        hit = head in self.snake
        collided = head[0] < 0 or head[0] >= GRID_W or head[1] < 0 or head[1] >= GRID_H
        if hit or collided:
            self.game_over = True
            return
        self.snake.insert(0, head)
    """,
    # a helper returning the condition
    """
    def check_collision(self):
        head = self.snake[0]
        return head in self.snake[1:] or not (0 <= head[0] < COLS and 0 <= head[1] < ROWS)

    def update(self):
        self.snake.insert(0, (self.snake[0][0] + self.dx, self.snake[0][1] + self.dy))
        self.snake.pop()
        if self.check_collision():
            self.state = "GAME_OVER"
    """,
    # any() over the body, a wall test through not-in-range, move() returning False
    """
    def move(self):
        x, y = self.body[0]
        new_head = (x + self.dx, y + self.dy)
        if any(seg == new_head for seg in self.body) or not (0 <= new_head[0] < self.cols):
            return False
        self.body.insert(0, new_head)
        self.body.pop()
        return True

    def step(self):
        if not self.snake.move():
            self.show_game_over()
    """,
    # count(head) > 1 and head[0] in (-1, GRID_W)
    """
    def step(self):
        self.body.appendleft((self.head[0] + self.dx, self.head[1] + self.dy))
        self.body.pop()
        self.head = self.body[0]
        if self.body.count(self.head) > 1:
            self.running = False
        if self.head[0] in (-1, GRID_W) or self.head[1] in (-1, GRID_H):
            self.running = False
    """,
    # a flag set inside the loop over the body, tested after it
    """
    def tick(self):
        new_head = (self.snake[0][0] + self.dx, self.snake[0][1] + self.dy)
        collided = False
        for segment in self.snake[1:]:
            if segment == new_head:
                collided = True
                break
        if collided:
            self.reset()
        if new_head[0] < 0 or new_head[0] >= self.width:
            self.reset()
        self.snake.insert(0, new_head)
    """,
    # an index loop through a helper comparing two positions, and quitting on collision
    """
    import sys
    import pygame

    WINDOW_SIZE = (600, 600)
    snake_pos = [(250, 50), (260, 50), (270, 50)]

    def collision(pos1, pos2):
        return pos1 == pos2

    def off_limits(pos):
        if 0 <= pos[0] < WINDOW_SIZE[0] and 0 <= pos[1] < WINDOW_SIZE[1]:
            return False
        return True

    while True:
        for i in range(len(snake_pos) - 1, 0, -1):
            if collision(snake_pos[0], snake_pos[i]):
                pygame.quit()
                quit()
            snake_pos[i] = snake_pos[i - 1]
        if off_limits(snake_pos[0]):
            pygame.quit()
            sys.exit()
    """,
], ids=["flags", "helper-return", "any-and-move-false", "count-and-in-tuple", "flag-in-loop", "index-loop-helper"])
def test_collisions_through_data_flow(snake, code):
    fc, _ = _run(snake, code)
    got = _found(fc)
    assert got["wall_collision"] is True
    assert got["self_collision"] is True


def test_flag_evidence_cites_the_assignment(snake):
    code = """
    def update(self):
        head = (self.snake[0][0] + self.dx, self.snake[0][1] + self.dy)
        hit = head in self.snake
        if hit:
            self.game_over = True
        self.snake.insert(0, head)
    """
    fc, _ = _run(snake, code)
    assert [e["line"] for e in _feature(fc, "self_collision")["evidence"]] == [3, 4]


@pytest.mark.parametrize("wall", [
    "if not screen_rect.contains(head_rect):\n        running = False",
    "if head.x < 0 or head.x >= CELL_NUMBER:\n        self.reset()",
    "if not (0 <= x < W) or not (0 <= y < H):\n        dead = True",
    "if x >= WIDTH or x < 0:\n        pygame.quit()\n        sys.exit()",
    "if self.head[0] < 0 or self.head[1] >= ROWS:\n        return False",
    "if head_x < 0 or head_x >= GRID_SIZE:\n        show_game_over()",
    "if x < 0 or x >= WIDTH:\n        self.alive = False",
    "if x < 0 or x >= WIDTH:\n        state = 'GAME_OVER'",
    "if x < 0 or x >= WIDTH:\n        playing = False",
    "if x < 0 or x >= WIDTH:\n        self.die()",
], ids=["rect-contains", "cell-number", "not-in-range", "quit", "return-false", "show-game-over", "alive",
        "state", "playing", "die"])
def test_wall_collision_ends_the_round(snake, wall):
    code = "def update(self, x, y, head, head_x, head_rect, screen_rect):\n    " + wall.replace("\n", "\n    ")
    fc, _ = _run(snake, code)
    assert _found(fc)["wall_collision"] is True


@pytest.mark.parametrize("code", [
    "def step(self):\n    self.x = self.x % WIDTH\n    self.y = self.y % HEIGHT",
    "def step(self):\n    if self.x < 0:\n        self.x = WIDTH - CELL\n    elif self.x >= WIDTH:\n        self.x = 0",
    "def clamp(self):\n    if self.x >= WIDTH:\n        self.x = WIDTH - CELL\n        self.score += 1",
], ids=["modulo", "wrap-branches", "clamp"])
def test_no_wall_collision_when_nothing_ends(snake, code):
    assert _found(_run(snake, code)[0])["wall_collision"] is False


@pytest.mark.parametrize("code", [
    # the body is only drawn and the food avoids it: no self-collision
    """
    def place_food(self):
        while True:
            food = (random.randrange(COLS), random.randrange(ROWS))
            if food not in self.snake:
                break
        self.food = food

    def update(self):
        head = (self.snake[0][0] + self.dx, self.snake[0][1] + self.dy)
        if head[0] < 0 or head[0] >= COLS:
            self.game_over = True
        self.snake.insert(0, head)
        for seg in self.snake:
            pygame.draw.rect(self.screen, GREEN, (seg[0] * CELL, seg[1] * CELL, CELL, CELL))
    """,
    # the food spawner is the only membership test, in a while loop that breaks
    """
    while True:
        pos = [random.randrange(W), random.randrange(H)]
        if pos in snake_list:
            continue
        break
    for part in snake_list:
        if part == food:
            score += 1
            game_over = True
    """,
], ids=["draw-only", "spawner"])
def test_no_self_collision_without_one(snake, code):
    assert _found(_run(snake, code)[0])["self_collision"] is False


def test_curses_snake(snake):
    code = """
    import curses
    from random import randint

    def main(stdscr):
        curses.curs_set(0)
        sh, sw = stdscr.getmaxyx()
        w = curses.newwin(sh, sw, 0, 0)
        w.keypad(1)
        w.timeout(100)
        snake = [[sh // 2, sw // 4], [sh // 2, sw // 4 - 1], [sh // 2, sw // 4 - 2]]
        food = [sh // 2, sw // 2]
        key = curses.KEY_RIGHT
        score = 0
        while True:
            next_key = w.getch()
            key = key if next_key == -1 else next_key
            if snake[0][0] in [0, sh] or snake[0][1] in [0, sw] or snake[0] in snake[1:]:
                break
            new_head = [snake[0][0], snake[0][1]]
            if key == curses.KEY_DOWN:
                new_head[0] += 1
            if key == curses.KEY_UP:
                new_head[0] -= 1
            if key == curses.KEY_LEFT:
                new_head[1] -= 1
            if key == curses.KEY_RIGHT:
                new_head[1] += 1
            snake.insert(0, new_head)
            if snake[0] == food:
                score += 1
                food = None
            else:
                tail = snake.pop()
                w.addch(int(tail[0]), int(tail[1]), ' ')
            w.addch(int(snake[0][0]), int(snake[0][1]), curses.ACS_CKBOARD)

    curses.wrapper(main)
    """
    fc, cc = _run(snake, code, "Use the arrow keys to steer; hitting the edge of the screen or yourself ends the game.")
    got = _found(fc)
    assert got["wall_collision"] and got["self_collision"] and got["food_growth"] and got["grid_movement"]
    v = _verdicts(cc)
    assert v[("control", "arrow keys")] == "supported"  # curses.KEY_UP ...
    assert v[("feature", "wall_collision")] == "supported" and v[("feature", "self_collision")] == "supported"


JS_SNAKE = """
const canvas = document.getElementById('game');
const ctx = canvas.getContext('2d');
const GRID = 20, COLS = 20, ROWS = 20;
let snake = [{x: 10, y: 10}];
let dir = {x: 1, y: 0};
let food = {x: 5, y: 5};
let score = 0;
const KEYS = {
  ArrowUp: {x: 0, y: -1},
  ArrowDown: {x: 0, y: 1},
  ArrowLeft: {x: -1, y: 0},
  ArrowRight: {x: 1, y: 0},
};
document.addEventListener('keydown', (e) => {
  if (KEYS[e.key]) dir = KEYS[e.key];
});
function gameOver() {
  clearInterval(timer);
  alert('Game over! Score: ' + score);
}
function step() {
  const head = {x: snake[0].x + dir.x, y: snake[0].y + dir.y};
  if (head.x < 0 || head.x >= COLS || head.y < 0 || head.y >= ROWS) {
    gameOver();
    return;
  }
  for (let i = 1; i < snake.length; i++) {
    if (snake[i].x === head.x && snake[i].y === head.y) {
      gameOver();
      return;
    }
  }
  snake.unshift(head);
  if (head.x === food.x && head.y === food.y) {
    score += 1;
  } else {
    snake.pop();
  }
  ctx.fillText('Score: ' + score, 10, 20);
}
const timer = setInterval(step, 100);
"""


def test_javascript_canvas_snake(snake):
    fc, cc = _run(snake, JS_SNAKE, "Steer with the arrow keys. Hitting a wall or your own tail ends the game.",
                  lang="javascript")
    got = _found(fc)
    assert got["wall_collision"] and got["self_collision"] and got["food_growth"] and got["score"]
    assert [e["line"] for e in _feature(fc, "self_collision")["evidence"]] == [27, 28]
    v = _verdicts(cc)
    assert v[("control", "arrow keys")] == "supported"  # {ArrowUp: ...} property keys


def test_javascript_keycodes_and_some(snake):
    code = """
    document.onkeydown = function (e) {
      if (e.keyCode === 37) dir = LEFT;
      else if (e.keyCode === 38) dir = UP;
      else if (e.keyCode === 39) dir = RIGHT;
      else if (e.keyCode === 40) dir = DOWN;
    };
    function update() {
      if (!running) return;
      const head = {x: snake[0].x + dir.x, y: snake[0].y + dir.y};
      if (snake.some(s => s.x === head.x && s.y === head.y)) {
        running = false;
      }
      snake.unshift(head);
      snake.pop();
    }
    setInterval(update, 100);
    """
    fc, cc = _run(snake, code, "Arrow keys steer.", lang="javascript")
    assert _found(fc)["self_collision"] is True
    assert _verdicts(cc)[("control", "arrow keys")] == "supported"
    # keyCode numbers only count where the code reads key codes
    fc, cc = _run(snake, "let speed = 37 + 38 + 39 + 40;", "Arrow keys steer.", lang="javascript")
    assert _verdicts(cc)[("control", "arrow keys")] == "unsupported"


# ------------------------------------------------------------------ the speed item

SPEED_TIMER = """
import pygame
BASE_SPEED = 10
speed = BASE_SPEED
speed_timer = 0
speed_item = None

def on_eat(head):
    global speed, speed_timer, speed_item
    if speed_item and head == speed_item:
        speed = 20
        speed_timer = pygame.time.get_ticks()
        speed_item = None

def tick(clock):
    global speed
    if speed != BASE_SPEED and pygame.time.get_ticks() - speed_timer > 5000:
        speed = BASE_SPEED
    clock.tick(speed)
"""

SPEED_DEADLINE = """
import time
NORMAL_FPS, FAST_FPS, BOOST_SECONDS = 10, 18, 5

class Game:
    def collect(self, item):
        if item.kind == "speed":
            self.boost_end = time.time() + BOOST_SECONDS

    def fps(self):
        fps = FAST_FPS if time.time() < self.boost_end else NORMAL_FPS
        return fps
"""

SPEED_FRAMES = """
ITEM_SETTINGS = {"speed": {"multiplier": 1.5, "frames": 50}}

class Game:
    def apply(self, kind):
        if kind == "speed":
            self.speed_frames = ITEM_SETTINGS["speed"]["frames"]
            self.speed *= ITEM_SETTINGS["speed"]["multiplier"]

    def update(self):
        if self.speed_frames > 0:
            self.speed_frames -= 1
            if self.speed_frames == 0:
                self.speed = BASE_SPEED
"""

SPEED_UP_ON_FOOD = """
import pygame
snake_speed = 10

def update(head, food, clock):
    global snake_speed
    if head == food:
        snake_speed += 1
    label = font.render("Speed: " + str(snake_speed), True, WHITE)
    clock = pygame.time.Clock()
    clock.tick(snake_speed)
"""


@pytest.mark.parametrize("code,found", [
    (SPEED_TIMER, True), (SPEED_DEADLINE, True), (SPEED_FRAMES, True), (SPEED_UP_ON_FOOD, False)],
    ids=["ticks-timer", "deadline", "frame-countdown", "speed-up-on-food"])
def test_speed_item(snake, code, found):
    fc, _ = _run(snake, code)
    assert _found(fc)["speed_item"] is found


def test_speed_number_is_tied_to_the_speed_item_not_the_grid(snake):
    prose = ("- **Speed** (yellow square): the snake moves one cell every 50 ms for 5 s.\n"
             "- **Grid**: the board is a 20x20 grid of 20 px cells.")
    fc, cc = _run(snake, SPEED_TIMER, prose)
    nums = [(c["feature"], c["value"]) for c in cc.details["claims"] if c["kind"] == "number"]
    assert ("speed_item", 5.0) in nums and ("grid_movement", 5.0) not in nums
    assert ("grid_movement", 20.0) in nums
    v = _verdicts(cc)
    assert v[("number", ("speed_item", 5.0))] == "supported"  # 5000 ms next to speed_timer


# ------------------------------------------------------------------ claims about controls

def test_paddle_arrow_keys_are_judged_on_its_axis():
    task = Task(suite="x", id="pong", prompt="Write Pong: the player's paddle moves up and down.",
                rubric={"features": [{"id": "paddle", "claim": ["paddle"], "evidence": [{"kind": "ident", "pattern": "paddle"}]}]})
    updown = """
    def handle(keys, paddle):
        if keys[pygame.K_UP]:
            paddle.y -= 5
        if keys[pygame.K_DOWN]:
            paddle.y += 5
    """
    _, cc = _run(task, updown, "Use the arrow keys to move the paddle.")
    assert _verdicts(cc)[("control", "arrow keys")] == "supported"
    # a snake needs all four
    snake_task = Task(suite="x", id="s", prompt="Snake", rubric={"features": []})
    _, cc = _run(snake_task, updown, "Use the arrow keys to steer the snake.")
    assert _verdicts(cc)[("control", "arrow keys")] == "unsupported"
    # a breakout paddle moving left and right is not supported by up/down handling
    _, cc = _run(snake_task, updown, "The arrow keys move the paddle left and right.")
    assert _verdicts(cc)[("control", "arrow keys")] == "unsupported"


def test_tkinter_key_bindings(snake):
    code = """
    root.bind("<Up>", lambda e: game.turn(0, -1))
    root.bind("<Down>", lambda e: game.turn(0, 1))
    root.bind("<Left>", lambda e: game.turn(-1, 0))
    root.bind("<Right>", lambda e: game.turn(1, 0))
    root.bind("<KeyPress-p>", lambda e: game.toggle_pause())
    """
    _, cc = _run(snake, code, "Arrow keys steer and P pauses.")
    v = _verdicts(cc)
    assert v[("control", "arrow keys")] == "supported" and v[("control", "P")] == "supported"


# ------------------------------------------------------------------ what the prose says is left out

@pytest.mark.parametrize("prose,verdict", [
    ("I kept this version focused on the core game; the speed item and skins can be added later.", "supported"),
    ("Items (speed, skins) are not included in this version, but the code is easy to extend.", "supported"),
    ("The speed item makes the snake faster for 5 seconds.", "unsupported"),
])
def test_features_the_prose_leaves_out(snake, prose, verdict):
    fc, cc = _run(snake, TUTORIAL, "Walls end the game. " + prose)
    v = _verdicts(cc)
    assert v[("feature", "speed_item")] == verdict
    assert v[("feature", "wall_collision")] == "supported"  # the disclaimer is in another sentence
    assert ("number", ("speed_item", 5.0)) not in v or verdict == "unsupported"


def test_a_disclaimer_covers_only_its_clause(snake):
    _, cc = _run(snake, TUTORIAL, "Hitting a wall ends the game; pause is left out to keep the code short.")
    claims_by = {c["feature"]: c for c in cc.details["claims"] if c["kind"] == "feature"}
    assert not claims_by["wall_collision"].get("negated") and claims_by["wall_collision"]["verdict"] == "supported"
    assert claims_by["pause"]["negated"] and claims_by["pause"]["verdict"] == "supported"


def test_claiming_no_walls_when_the_code_has_them_is_contradicted(snake):
    _, cc = _run(snake, TUTORIAL, "The snake can't die by hitting a wall.")
    wall = next(c for c in cc.details["claims"] if c.get("feature") == "wall_collision")
    assert wall["negated"] and wall["verdict"] == "contradicted" and [e["line"] for e in wall["evidence"]] == [92]


def test_asset_names_in_backticks(snake):
    code = 'img = pygame.image.load("assets/heart.png")'
    _, cc = _run(snake, code, "Put `heart.png` next to the script; it also uses `apple.png`.")
    v = _verdicts(cc)
    assert v[("identifier", "heart.png")] == "supported" and v[("identifier", "apple.png")] == "unsupported"


# ------------------------------------------------------------------ code the program never calls

SKELETON = """
import pygame

SKINS = [(0, 200, 0), (200, 0, 200)]
CELL = 20

class Snake:
    def __init__(self):
        self.body = [(100, 100)]
        self.direction = (CELL, 0)
        self.color = SKINS[0]

    def move(self):
        x, y = self.body[0]
        dx, dy = self.direction
        self.body.insert(0, (x + dx, y + dy))
        self.body.pop()

    def collide(self):
        if self.body[0] in self.body[1:]:
            self.reset()

def main():
    snake = Snake()
    running = True
    while running:
        pass  # TODO: events, movement, collisions, drawing

if __name__ == "__main__":
    main()
"""


def test_code_the_program_never_calls_implements_nothing(snake):
    fc, _ = _run(snake, SKELETON)
    got = _found(fc)
    assert got["grid_movement"] is False and got["self_collision"] is False
    assert got["skin_item"] is False  # the initial SKINS[0] is not an item that changes the colour
    # once the loop calls them, they count
    called = SKELETON.replace("pass  # TODO: events, movement, collisions, drawing", "snake.move()\n        snake.collide()")
    got = _found(_run(snake, called)[0])
    assert got["grid_movement"] is True and got["self_collision"] is True


@pytest.mark.parametrize("check", [
    "if head_rect.collidelist(self.body_rects[1:]) != -1:\n        self.game_over = True",
    "if len(set(self.body)) != len(self.body):\n        self.game_over = True",
    "for seg in self.segments[1:]:\n        if self.head.colliderect(seg):\n            self.game_over = True",
    "if self.head in set(self.snake[1:]):\n        self.game_over = True",
], ids=["collidelist", "duplicates", "colliderect-loop", "set-membership"])
def test_more_self_collision_shapes(snake, check):
    code = "def update(self, head_rect):\n    " + check.replace("\n", "\n    ")
    assert _found(_run(snake, code)[0])["self_collision"] is True


def test_arrow_symbols_are_an_arrow_keys_claim(snake):
    _, cc = _run(snake, TUTORIAL, "Controls: ↑ ↓ ← → to move, Q to quit.")
    assert _verdicts(cc)[("control", "arrow keys")] == "supported"


# ------------------------------------------------------------------ a key claim names what the key does

KEYS = """
def handle(self, event):
    if self.over:
        if event.key in (pygame.K_SPACE, pygame.K_RETURN):
            self.new_round()
        return
    if event.key == pygame.K_p:
        self.paused = not self.paused
    elif event.key == pygame.K_r:
        self.show_help = not self.show_help
    elif event.key == pygame.K_ESCAPE:
        pygame.quit()
        sys.exit()
"""


@pytest.mark.parametrize("prose,key,verdict", [
    ("Press P to pause.", "P", "supported"),
    ("Space to restart after a game over.", "space", "supported"),   # new_round()
    ("Enter or Space to play again.", "enter", "supported"),
    ("Press Esc to quit.", "escape", "supported"),
    ("Press R to restart.", "R", "unsupported"),                     # R toggles the help screen
    ("Press P to quit.", "P", "unsupported"),
])
def test_a_key_must_do_what_the_prose_says(snake, prose, key, verdict):
    _, cc = _run(snake, KEYS, prose)
    c = next(c for c in cc.details["claims"] if c["kind"] == "control" and c["key"] == key)
    assert c["verdict"] == verdict
    if verdict == "unsupported":
        assert "but not to" in c["reason"] and c["evidence"]


def test_a_helper_local_flag_and_a_pickup_loop(snake):
    code = """
    class Game:
        def collides(self, head):
            out = not (0 <= head[0] < COLS and 0 <= head[1] < ROWS)
            return out or head in self.snake.body[:-1]

        def step(self):
            head = self.snake.next_head()
            if self.collides(head):
                self.over = True
                return
            for item in self.items[:]:
                kind, pos = item
                if pos == head:
                    self.apply(kind)
                    self.items.remove(item)

        def place(self):
            taken = set(self.snake.body) | {p for _, p in self.items}
            p = (random.randrange(COLS), random.randrange(ROWS))
            if p not in taken:
                return p
    """
    fc, _ = _run(snake, code)
    got = _found(fc)
    assert got["wall_collision"] and got["self_collision"] and got["items_awarded"]
    # the wall test lives in the helper's local flag: evidence cites it
    assert 3 in [e["line"] for e in _feature(fc, "wall_collision")["evidence"]]
    assert not _feature(fc, "items_awarded")["contradicted"]  # `p not in taken` is not a pickup


def test_a_feature_whose_code_crashes_is_contradicted(snake):
    code = """
    import pygame

    def draw_pause(screen):
        screen.blit(pause_font.render("Paused", True, (255, 255, 255)), (10, 10))

    def main():
        screen = pygame.display.set_mode((400, 400))
        paused = False
        while True:
            for event in pygame.event.get():
                if event.type == pygame.KEYDOWN and event.key == pygame.K_p:
                    paused = not paused
            if paused:
                draw_pause(screen)
                continue

    main()
    """
    fc, cc = _run(snake, code, "Press P to pause.")
    f = _feature(fc, "pause")
    assert f["found"] is False and f["contradicted"] and "pause_font" in f["reason"] and "NameError" in f["reason"]
    v = _verdicts(cc)
    assert v[("feature", "pause")] == "contradicted"
    assert v[("control", "P")] == "contradicted"  # P is handled, but pausing crashes
    # defined, it works
    fixed = code.replace("import pygame\n", "import pygame\n\npause_font = None\n", 1)
    assert _found(_run(snake, fixed)[0])["pause"] is True
    # a fragment of definitions is judged as written (its names live in the part not shown)
    # (its paused branch returns: pausing must stop the game, not only draw the pause screen)
    fragment = "def loop(self):\n    if self.paused:\n        draw_pause(pause_font)\n        return\n    if key == pygame.K_p:\n        pass"
    assert _found(_run(snake, fragment)[0])["pause"] is True


def test_a_position_unpacked_from_the_item(snake):
    code = """
    def step(self, new_head):
        kind, pos = self.item
        if new_head == pos:
            self.apply(kind)
            self.item = self.spawn_item()
    """
    fc, _ = _run(snake, code)
    assert _found(fc)["items_awarded"] is True
    assert [e["line"] for e in _feature(fc, "items_awarded")["evidence"]] == [2, 3]


def test_keys_in_a_markdown_table(snake):
    _, cc = _run(snake, KEYS, "| Key | Action |\n|---|---|\n| P | Pause / resume |\n| R | Restart |\n| Esc | Quit |")
    v = _verdicts(cc)
    assert v[("control", "P")] == "supported" and v[("control", "escape")] == "supported"
    assert v[("control", "R")] == "unsupported"  # R toggles the help screen


# ------------------------------------------------------------------ more shapes from the corpus review

def test_state_in_a_dict_and_timers(snake):
    code = """
    import pygame, random, sys
    SETTINGS = {"speed": {"fps": 16, "seconds": 5}, "shield": {"charges": 3}, "skins": [(0, 255, 0), (255, 0, 0)]}

    def main():
        clock = pygame.time.Clock()
        g = {"snake": [(5, 5)], "dir": (1, 0), "item": None, "shield": 0, "fast_until": 0, "skin": (0, 255, 0),
             "over": False}
        while True:
            hx, hy = g["snake"][0]
            head = (hx + g["dir"][0], hy + g["dir"][1])
            if head in WALL or head in g["snake"]:
                if g["shield"] > 0:
                    g["shield"] -= 1
                else:
                    g["over"] = True
            else:
                g["snake"].insert(0, head)
                g["snake"].pop()
            if g["item"] and head == g["item"][1]:
                kind = g["item"][0]
                if kind == "speed":
                    g["fast_until"] = pygame.time.get_ticks() + SETTINGS["speed"]["seconds"] * 1000
                elif kind == "shield":
                    g["shield"] = SETTINGS["shield"]["charges"]
                else:
                    g["skin"] = random.choice(SETTINGS["skins"])
                g["item"] = None
            fast = pygame.time.get_ticks() < g["fast_until"]
            clock.tick(SETTINGS["speed"]["fps"] if fast else 10)

    WALL = {(0, y) for y in range(20)}
    main()
    """
    got = _found(_run(snake, code)[0])
    for fid in ("grid_movement", "wall_collision", "self_collision", "speed_item", "ice_shield", "skin_item",
                "items_awarded"):
        assert got[fid] is True, fid


def test_a_stub_applies_nothing_and_a_key_cycle_is_no_skin_item(snake):
    code = """
    import pygame
    SKINS = [(0, 200, 0), (200, 40, 0)]

    def apply_item(item, state):
        # TODO: speed boost, shield charges, skin change
        pass

    def main():
        skin, items, head = 0, [], (0, 0)
        while True:
            for e in pygame.event.get():
                if e.type == pygame.KEYDOWN and e.key == pygame.K_s:
                    skin = (skin + 1) % len(SKINS)
            for item in items[:]:
                if item.pos == head:
                    apply_item(item, {})
                    items.remove(item)

    main()
    """
    fc, _ = _run(snake, code)
    got = _found(fc)
    assert got["skin_item"] is False and got["items_awarded"] is False
    assert _feature(fc, "items_awarded")["contradicted"]  # the pickup only removes the item


@pytest.mark.parametrize("code", [
    "def move(self):\n    self.segments.insert(0, self.segments[0].move(self.dx, self.dy))",
    "x_change, y_change = BLOCK, 0\ndef step():\n    global x\n    x += x_change",
    "lead_x_change = block_size\ndef step():\n    global lead_x\n    lead_x += lead_x_change",
], ids=["rect-move", "tuple-taint", "lead-x"])
def test_grid_steps(snake, code):
    assert _found(_run(snake, code)[0])["grid_movement"] is True


def test_score_printed_to_the_console_is_not_shown(snake):
    code = 'score = 0\ndef eat():\n    global score\n    score += 1\n    print("Score:", score)'
    assert _found(_run(snake, code)[0])["score"] is False
    shown = code + '\ndef draw(screen, font):\n    screen.blit(font.render(f"Score: {score}", True, (255, 255, 255)), (5, 5))'
    assert _found(_run(snake, shown)[0])["score"] is True


def test_instructions_are_not_negations(snake):
    _, cc = _run(snake, TUTORIAL, "Don't hit the walls or yourself! Press C to play again.")
    claims_by = {c["feature"]: c for c in cc.details["claims"] if c["kind"] == "feature"}
    assert not claims_by["wall_collision"].get("negated") and claims_by["wall_collision"]["verdict"] == "supported"


def test_numbers_in_a_settings_file(snake):
    text = ("The Speed item gives 1.5x speed for 5 seconds.\n\n"
            '```json settings.json\n{\n  "speed": {"multiplier": 1.5, "duration": 5}\n}\n```\n\n'
            "```python\nimport json\nITEMS = json.load(open('settings.json'))\nspeed_until = 0\n"
            "def boost(now):\n    global speed_until\n    speed_until = now + ITEMS['speed']['duration'] * 1000\n```\n")
    ex = extract(text, language_hint="python")
    cc = claims.score(snake, ex, {"extraction": ex})[0]
    nums = {c["value"]: c for c in cc.details["claims"] if c["kind"] == "number"}
    assert nums[1.5]["verdict"] == "supported" and nums[5.0]["verdict"] == "supported"
    assert nums[1.5]["evidence"][0]["block"] == 0


def test_item_classes_and_a_board_of_cells(snake):
    code = """
    import random
    import pygame

    class Item:
        def apply(self, snake):
            pass

    class SkinItem(Item):
        def apply(self, snake):
            snake.color = random.choice(PALETTE)

    class Game:
        def step(self, head):
            for item in list(self.items):
                if item.pos == head:
                    item.apply(self.snake)
                    self.items.remove(item)
            nx, ny = head
            if self.board[ny][nx] == BODY:
                self.alive = False
            return self.alive

    PALETTE = [(255, 0, 0)]
    BODY = 1
    Game().step((0, 0))
    """
    got = _found(_run(snake, code)[0])
    # the base class's `apply` is a stub, but SkinItem overrides it
    assert got["items_awarded"] is True and got["skin_item"] is True
    assert got["self_collision"] is True


@pytest.mark.parametrize("effect, awarded", [("pass", False), ("state['shield'] += 3", True)])
def test_a_stub_of_empty_branches_per_item_applies_nothing(snake, effect, awarded):
    code = f"""
    import pygame

    def apply_item(kind, state):
        # TODO: implement the item effects
        if kind == "speed":
            pass
        elif kind == "shield":
            {effect}
        else:
            pass

    def main():
        items, head, state = [], (0, 0), {{"shield": 0}}
        while True:
            for e in pygame.event.get():
                pass
            for item in items[:]:
                if item.pos == head:
                    apply_item(item.kind, state)
                    items.remove(item)

    main()
    """
    assert _found(_run(snake, code)[0])["items_awarded"] is awarded


@pytest.mark.parametrize("ending, pause", [
    ('            if event.key == pygame.K_p:\n                paused = not paused\n        if not paused:\n'
     '            x += CELL\n        clock.tick(10)\n\n\nmain()\n', True),  # the whole program
    ('            if event.key == pygame.K_p:\n                paused = not paused\n        if not paused:\n'
     '            x += CELL\n        clock.tick(10)\n', False),  # main() never called: implements nothing
    ('            if event.key == pygame.K_p:\n                paused = not paused\n        if not paused:\n'
     '            x += CELL\n        label = font.render("Score: {score', True),  # cut off: judged as written
])
def test_an_answer_cut_off_mid_statement_is_judged_as_written(snake, ending, pause):
    code = "import pygame\n\npygame.init()\nCELL = 20\n\n\ndef main():\n    clock = pygame.time.Clock()\n" \
           "    paused, x, score = False, 0, 0\n    while True:\n        for event in pygame.event.get():\n" \
           "            if event.type == pygame.QUIT:\n                return\n" + ending
    assert _found(_run(snake, code)[0])["pause"] is pause


@pytest.mark.parametrize("reroll, awarded", [("continue", True), ("pass", False)])
def test_a_free_cell_search_that_skips_items_is_no_pickup(snake, reroll, awarded):
    # `if any(p.pos == pos ...): continue` looks for a free cell; a pickup branch that only passes awards nothing
    code = f"""
    import random

    class PowerUp:
        def apply(self, game):
            game.speed_until = game.now + 5000

    class Game:
        def free_cell(self):
            while True:
                pos = (random.randrange(20), random.randrange(15))
                if pos in self.snake:
                    continue
                if any(p.pos == pos for p in self.powerups):
                    {reroll}
                return pos

        def step(self):
            head = self.snake[0]
            if random.random() < 0.1:
                self.spawn_at = self.free_cell()
            for p in self.powerups[:]:
                if p.pos == head:
                    p.apply(self)
                    self.powerups.remove(p)

    Game().step()
    """
    assert _found(_run(snake, code)[0])["items_awarded"] is awarded


def test_a_big_step_function_does_not_leak_its_tests(snake):
    code = """
    class Game:
        def step(self):
            head = (self.body[0][0] + self.dir[0], self.body[0][1] + self.dir[1])
            if head in self.body:
                return False
            self.body.insert(0, head)
            if self.item and head == self.item[1]:
                self.item = None
            return True

        def loop(self):
            over = not self.step()
            if over:
                self.draw_game_over()

    Game().loop()
    """
    fc, _ = _run(snake, code)
    # `if over:` reads step()'s returning test (head in body), not its item test
    assert _found(fc)["self_collision"] is True
    items = _feature(fc, "items_awarded")
    assert [e["line"] for e in items["contra_evidence"]] == [7]  # only the real pickup branch


def test_match_statement_identifier(snake):
    code = "def handle(key):\n    match key:\n        case 1:\n            return 'up'\nhandle(1)"
    _, cc = _run(snake, code, "It uses Python 3.10's `match` statement.")
    assert _verdicts(cc)[("identifier", "match")] == "supported"


def test_number_of_a_named_setting(snake):
    code = "BOOST_DURATION = 4000\nITEM_SPAWN_EVERY = 5000\nSKIN_COLORS = [(1, 2, 3), (4, 5, 6), (7, 8, 9), (0, 0, 0)]"
    prose = ("| `BOOST_DURATION` | 5000 | how long the speed item lasts (ms) |\n"
             "| `SKIN_COLORS` | 4 colours | colours the skin item picks from |")
    _, cc = _run(snake, code, prose)
    nums = {(c["feature"], c["value"]): c for c in cc.details["claims"] if c["kind"] == "number"}
    assert nums[("speed_item", 5000.0)]["verdict"] == "contradicted"
    assert "BOOST_DURATION is set to 4000" in nums[("speed_item", 5000.0)]["reason"]
    assert nums[("skin_item", 4.0)]["verdict"] == "supported"


def test_baseline_numbers_and_settings_that_differ(snake):
    code = """
    BASE_DELAY = 150
    ITEM_CONFIG = {
        "speed": {"char": "S", "delay": 70, "seconds": 5},
    }
    ITEM_COLOURS = {"speed": (255, 255, 0)}
    ITEM_CHANCE = 0.4
    """
    prose = ("- **S** (speed): moves every 70 ms instead of 150 ms for 5 seconds.\n"
             "- Items appear with a 40% chance.\n- The speed item lasts 7 seconds.")
    _, cc = _run(snake, code, prose)
    nums = {(c["feature"], c["value"]): c for c in cc.details["claims"] if c["kind"] == "number"}
    assert nums[("speed_item", 70.0)]["verdict"] == "supported"
    assert nums[("speed_item", 150.0)]["verdict"] == "supported"      # the normal delay
    assert nums[("speed_item", 5.0)]["verdict"] == "supported"
    assert nums[("items_awarded", 40.0)]["verdict"] == "supported"    # 0.4; the colour's 255 is no setting
    assert nums[("speed_item", 7.0)]["verdict"] == "contradicted"     # "seconds": 5


# ------------------------------------------------------------------ complete, correct answers score as complete

@pytest.mark.parametrize("name", ["snake_complete_enum.md", "snake_complete_deque.md", "snake_tuned.md",
                                  "snake_style2.md", "snake_complete_canvas.md"])
def test_a_complete_correct_answer_scores_complete(snake, name):
    from pathlib import Path

    text = (Path(__file__).parent / "fixtures" / "responses" / name).read_text()
    ex = extract(text, language_hint="python")
    arts = {"extraction": ex}
    fc = features.score(snake, ex, arts)[0]
    cc = claims.score(snake, ex, arts)[0]
    # (the canvas page is judged by its inline <script>, on the page's own lines)
    assert fc.value == 1.0, [f["id"] for f in fc.details["features"] if not f["found"]]
    assert cc.value == 1.0, [(c["kind"], c.get("feature") or c.get("key"), c["verdict"], c["reason"])
                             for c in cc.details["claims"] if c["verdict"] != "supported"]
    assert all(f["evidence"] for f in fc.details["features"])  # every verdict cites its lines


@pytest.mark.parametrize("code", [
    "SPEED = BLOCK\ndef step(self):\n    self.x += self.dx * SPEED",            # a 'speed' that is one block
    "def step(snake, d):\n    head = (snake[0][0] + d[0], snake[0][1] + d[1])",  # d = DIRS[key]
    "vel = (0, 1)\ndef step(snake):\n    head = (snake[0][0] + vel[0], snake[0][1] + vel[1])",
], ids=["speed-is-a-block", "direction-d", "vel-tuple"])
def test_more_grid_steps(snake, code):
    f = _feature(_run(snake, code)[0], "grid_movement")
    assert f["found"] is True and not f["contradicted"]


def test_a_reset_by_tuple_assignment_ends_the_round(snake):
    code = """
    def play(stdscr, snake, vel, score):
        while True:
            head = (snake[0][0] + vel[0], snake[0][1] + vel[1])
            if head[0] <= 0 or head[0] >= BOARD_H - 1 or head in snake:
                stdscr.addstr(0, 0, f"Game over! Score: {score}")
                snake, vel, score = [(8, 10), (8, 9)], (0, 1), 0
                continue
            snake.insert(0, head)
            snake.pop()
    """
    got = _found(_run(snake, code)[0])
    assert got["wall_collision"] and got["self_collision"]


def test_a_set_timer_boost_that_never_ends_is_no_speed_item(snake):
    code = """
    import pygame
    STEP = pygame.USEREVENT + 1
    pygame.time.set_timer(STEP, 150)
    BOOST_END = pygame.USEREVENT + 2
    def on_event(event, head, speed_item):
        if event.type == STEP:
            if head == speed_item:
                # speed up for a few seconds
                pygame.time.set_timer(STEP, 75)
    """
    assert _found(_run(snake, code)[0])["speed_item"] is False
    ends = code.replace("""pygame.time.set_timer(STEP, 75)""", """pygame.time.set_timer(STEP, 150 // 2)
                pygame.time.set_timer(BOOST_END, 5000, 1)
        elif event.type == BOOST_END:
            pygame.time.set_timer(STEP, 150)""")
    assert _found(_run(snake, ends)[0])["speed_item"] is True


def test_else_branches_and_particles(snake):
    code = """
    import math, random
    import pygame

    class Particle:
        def __init__(self, x, y):
            speed = random.uniform(60, 160)
            self.x, self.y = x, y
            self.vx, self.vy = math.cos(1) * speed, math.sin(1) * speed

        def update(self, dt):
            self.x += self.vx * dt
            self.y += self.vy * dt

    def step(state, head, pickups):
        for p in pygame.sprite.spritecollide(head, pickups, True):
            if p.kind == "speed":
                state.fast_until = pygame.time.get_ticks() + 5000
            elif p.kind == "shield":
                state.shield = 3
            else:
                state.colour = random.choice(PALETTE)

    def move(snake, d):
        return (snake[0][0] + d[0], snake[0][1] + d[1])

    PALETTE = [(1, 2, 3)]
    step(None, None, [])
    Particle(0, 0).update(0.1)
    move([(0, 0)], (1, 0))
    """
    fc, _ = _run(snake, code)
    got = _found(fc)
    # the particle's speed is not the snake's; the skin is set in the else of the item dispatch
    assert got["grid_movement"] is True and not _feature(fc, "grid_movement")["contradicted"]
    assert got["skin_item"] is True
    assert not _feature(fc, "items_awarded")["contradicted"]


def test_a_module_that_misses_an_import_crashes_its_feature(snake):
    text = """Three files.

**main.py**

```python
import pygame
from game import Game

pygame.init()
Game().run()
```

**game.py**

```python
import pygame


class Game:
    def __init__(self):
        self.body = [(5, 5)]
        self.food = (1, 1)

    def spawn_food(self):
        return (random.randrange(20), random.randrange(20))

    def step(self, head):
        self.body.insert(0, head)
        if head == self.food:
            self.food = self.spawn_food()
        else:
            self.body.pop()

    def run(self):
        while True:
            self.step((0, 0))
```
"""
    ex = extract(text, language_hint="python")
    fc = features.score(snake, ex, {"extraction": ex})[0]
    f = _feature(fc, "food_growth")
    # game.py never imports random: eating food raises NameError (the else branch does not rescue it)
    assert f["found"] is False and f["contradicted"] and "'random'" in f["reason"]
    fixed = text.replace("**game.py**\n\n```python\nimport pygame\n", "**game.py**\n\n```python\nimport random\nimport pygame\n")
    ex = extract(fixed, language_hint="python")
    assert _found(features.score(snake, ex, {"extraction": ex})[0])["food_growth"] is True


def test_a_setting_nothing_reads_supports_no_number(snake):
    code = """
    import pygame
    BOOST_SECONDS = 5
    FAST_INTERVAL = 75

    def on_bolt():
        pygame.time.set_timer(pygame.USEREVENT, FAST_INTERVAL)

    on_bolt()
    """
    _, cc = _run(snake, code, "The speed boost lasts 5 seconds.")
    n = next(c for c in cc.details["claims"] if c["kind"] == "number")
    assert n["verdict"] == "unsupported" and "never uses BOOST_SECONDS" in n["reason"]
    used = code.replace("on_bolt()\n", "on_bolt()\npygame.time.set_timer(pygame.USEREVENT + 1, BOOST_SECONDS * 1000, 1)\n")
    _, cc = _run(snake, used, "The speed boost lasts 5 seconds.")
    assert next(c for c in cc.details["claims"] if c["kind"] == "number")["verdict"] == "supported"


def test_a_busy_wait_for_a_key_freezes_the_game(snake):
    code = """
    import pygame
    pygame.init()
    snake, restart, game_over = [(240, 240)], False, False
    while True:
        for event in pygame.event.get():
            if event.type == pygame.KEYDOWN and event.key == pygame.K_r and game_over:
                restart = True
        head = (snake[0][0] + 20, snake[0][1])
        if head[0] < 0 or head[0] >= 480 or head in snake:
            game_over = True
            while not restart:
                pass
            snake = [(240, 240)]
            continue
        snake.insert(0, head)
        snake.pop()
    """
    fc, cc = _run(snake, code, "Hitting a wall ends the game; press R to restart.")
    wall = _feature(fc, "wall_collision")
    assert wall["found"] is False and "freezes" in wall["reason"]
    v = _verdicts(cc)
    assert v[("feature", "wall_collision")] == "contradicted" and v[("control", "R")] == "contradicted"
    waits = code.replace("while not restart:\n                pass", "while not restart:\n                restart = poll_keys()")
    waits = waits.replace("pygame.init()\n", "pygame.init()\n\n    def poll_keys():\n        return pygame.key.get_pressed()[pygame.K_r]\n", 1)
    assert _found(_run(snake, waits)[0])["wall_collision"] is True


def test_a_boost_nothing_starts_is_no_speed_item(snake):
    code = """
    import pygame
    SNAKE_SPEED, SPEED_BOOST, BOOST_TIME = 5, 1.6, 4000

    class Snake:
        def __init__(self):
            self.boost_until = 0

        def speed(self):
            if pygame.time.get_ticks() < self.boost_until:
                return SNAKE_SPEED * SPEED_BOOST
            return SNAKE_SPEED

    Snake().speed()
    """
    assert _found(_run(snake, code)[0])["speed_item"] is False   # no pickup ever sets boost_until
    started = code.replace("Snake().speed()", "s = Snake()\\ns.boost_until = pygame.time.get_ticks() + BOOST_TIME\\ns.speed()")
    assert _found(_run(snake, started)[0])["speed_item"] is True


def test_chance_percentages_and_a_disclaimer_that_points_back(snake):
    code = "import random\ndef spawn(item):\n    if item is None and random.random() < 0.35:\n        return 1\nspawn(None)"
    _, cc = _run(snake, code, "Power-ups appear with a 35% chance whenever you eat. Items: 35% chance.")
    nums = [c for c in cc.details["claims"] if c["kind"] == "number"]
    assert nums and nums[0]["feature"] == "items_awarded" and nums[0]["verdict"] == "supported"
    prose = ("This is a terminal version, so the speed/shield/skin items from your list would need colours "
             "via `curses.init_pair`; I can add them if you like.")
    _, cc = _run(snake, TUTORIAL, prose)
    neg = {c["feature"]: c for c in cc.details["claims"] if c["kind"] == "feature"}
    assert all(neg[f].get("negated") and neg[f]["verdict"] == "supported" for f in ("ice_shield", "skin_item"))


def test_turtle_snake(snake):
    from pathlib import Path

    text = (Path(__file__).parent / "fixtures" / "responses" / "snake_turtle.md").read_text()
    ex = extract(text, language_hint="python")
    arts = {"extraction": ex}
    fc, cc = features.score(snake, ex, arts)[0], claims.score(snake, ex, arts)[0]
    assert _found(fc) == {
        "grid_movement": True, "wall_collision": True, "self_collision": True, "food_growth": True,
        "speed_item": False, "ice_shield": False, "skin_item": False, "items_awarded": False,
        "pause": False, "score": True}
    # `segment.distance(head) < 20` inside `for segment in segments` is the self-collision test
    assert [e["line"] for e in _feature(fc, "self_collision")["evidence"]] == [125, 126]
    assert cc.value == 1.0
    arrows = next(c for c in cc.details["claims"] if c["kind"] == "control")
    assert [e["line"] for e in arrows["evidence"]] == [78, 79, 80, 81]  # onkeypress(..., "Up"), not direction strings


def test_tkinter_snake(snake):
    from pathlib import Path

    text = (Path(__file__).parent / "fixtures" / "responses" / "snake_tkinter.md").read_text()
    ex = extract(text, language_hint="python")
    arts = {"extraction": ex}
    fc, cc = features.score(snake, ex, arts)[0], claims.score(snake, ex, arts)[0]
    got = _found(fc)
    assert all(got[f] for f in ("grid_movement", "wall_collision", "self_collision", "food_growth", "pause", "score"))
    assert not any(got[f] for f in ("speed_item", "ice_shield", "skin_item", "items_awarded"))
    assert cc.value == 1.0  # keysyms "Up"... in the dict read by event.keysym; P toggles paused


def test_sprite_group_self_collision(snake):
    code = ("def update(self):\n    self.body.insert(0, Segment(self.head.rect.topleft))\n"
            "    if pygame.sprite.spritecollideany(self.head, self.body):\n        self.game_over = True")
    assert _found(_run(snake, code)[0])["self_collision"] is True
    food = "def update(self):\n    if pygame.sprite.spritecollideany(self.head, self.food_group):\n        self.score += 1"
    assert _found(_run(snake, food)[0])["self_collision"] is False


def test_false_claims_stay_unsupported_or_contradicted(snake):
    code = """
    import pygame
    ITEMS = {"speed": {"duration_ms": 3000, "multiplier": 1.5}, "shield": {"charges": 2}}

    class Game:
        def __init__(self):
            self.paused = False
            self.speed_until = 0
            self.shield = 0

        def on_key(self, key):
            if key == pygame.K_p:
                self.paused = not self.paused
            elif key == pygame.K_SPACE:
                self.__init__()

        def collect(self, kind, now):
            if kind == "speed":
                self.speed_until = now + ITEMS["speed"]["duration_ms"]
            elif kind == "shield":
                self.shield = ITEMS["shield"]["charges"]

    Game().on_key(0)
    """
    prose = ("Press Space to pause. The speed boost lasts 5 seconds and makes you 2x faster. "
             "The Ice Shield absorbs 3 collisions. Scores are saved to `scores.json`.")
    _, cc = _run(snake, code, prose)
    for c in cc.details["claims"]:
        if c["kind"] in ("control", "number", "file") or c.get("feature") == "ice_shield":
            assert c["verdict"] != "supported", c
    by = {(c["kind"], c.get("key") or c.get("value")): c for c in cc.details["claims"]}
    assert "not to pause" in by[("control", "space")]["reason"]
    assert by[("number", 5.0)]["verdict"] == "contradicted"   # duration_ms: 3000


def test_a_timer_comparison_is_not_a_wall(snake):
    code = """
    def step(self):
        head = (self.body[0][0] + self.dx, self.body[0][1] + self.dy)
        head = (head[0] % COLS, head[1] % ROWS)
        if head in self.body:
            self.over = True
        self.body.insert(0, head)
        self.body.pop()

    def loop(self, now):
        if now - self.last > 150:
            self.step()
    """
    got = _found(_run(snake, code)[0])
    assert got["self_collision"] is True and got["wall_collision"] is False


def test_typescript_canvas_class(snake):
    from pathlib import Path

    text = (Path(__file__).parent / "fixtures" / "responses" / "snake_typescript.md").read_text()
    ex = extract(text, language_hint="python")
    arts = {"extraction": ex}
    fc, cc = features.score(snake, ex, arts)[0], claims.score(snake, ex, arts)[0]
    got = _found(fc)
    assert all(got[f] for f in ("grid_movement", "wall_collision", "self_collision", "food_growth", "pause", "score"))
    assert [e["line"] for e in _feature(fc, "wall_collision")["evidence"]] == [30, 31]  # `outside` flag, its if
    assert cc.value == 1.0


def test_a_flag_nothing_reads_ends_nothing(snake):
    code = """
    def step(snake, head):
        if head in snake:
            collided = True
        snake.insert(0, head)
        snake.pop()

    step([(0, 0)], (1, 0))
    """
    assert _found(_run(snake, code)[0])["self_collision"] is False
    read = code.replace("snake.pop()", "snake.pop()\n        if collided:\n            raise SystemExit")
    read = read.replace("def step(snake, head):", "def step(snake, head):\n        collided = False")
    assert _found(_run(snake, read)[0])["self_collision"] is True


def test_html_markup_calls_count(snake):
    page = """<!DOCTYPE html>
<html><body>
<button onclick="startGame()">Start</button>
<script>
let snake = [{x: 5, y: 5}], running = false;
function startGame() {
  running = true;
  setInterval(step, 100);
}
function step() {
  if (!running) return;
  const head = {x: snake[0].x + 1, y: snake[0].y};
  if (snake.some(s => s.x === head.x && s.y === head.y)) { running = false; }
  snake.unshift(head);
  snake.pop();
}
document.title = "Snake";
</script>
</body></html>"""
    fc, _ = _run(snake, page, lang="html")
    assert _found(fc)["self_collision"] is True  # step() is reached through startGame() from the button


def test_head_from_a_method_call(snake):
    code = ("def step(self):\n    if self.snake.head() in self.snake.body[1:]:\n        self.game_over = True\n"
            "    self.snake.body.insert(0, self.snake.next())")
    assert _found(_run(snake, code)[0])["self_collision"] is True


def test_a_prose_heavy_answer_with_false_claims(snake):
    from pathlib import Path

    text = (Path(__file__).parent / "fixtures" / "responses" / "snake_false_claims.md").read_text()
    ex = extract(text, language_hint="python")
    cc = claims.score(snake, ex, {"extraction": ex})[0]
    supported = {(c["kind"], c.get("feature") or c.get("key") or c.get("name") or c.get("file"))
                 for c in cc.details["claims"] if c["verdict"] == "supported"}
    # only what the code does: moving cell by cell and keeping a score on screen
    assert supported == {("feature", "grid_movement"), ("feature", "score")}
    r = next(c for c in cc.details["claims"] if c.get("key") == "R")
    assert "not to restart" in r["reason"]   # R adds 100 points


PAUSE_ON_P = """
import pygame
pygame.init()
screen = pygame.display.set_mode((200, 200))
paused = False
running = True
while running:
    for event in pygame.event.get():
        if event.type == pygame.QUIT:
            running = False
        elif event.type == pygame.KEYDOWN and event.key == pygame.K_p:
            paused = not paused
    if not paused:
        pygame.display.flip()
"""


@pytest.mark.parametrize("prose", [
    "I didn't include a pause key, to keep the controls minimal.",
    "There wasn’t room for a pause key in this version.",   # typographic apostrophe
    "It hasn't got a pause feature.",
])
def test_past_tense_negations_are_absence_claims(snake, prose):
    """'I didn't include a pause key' claims the game cannot pause: false when P pauses."""
    _, cc = _run(snake, PAUSE_ON_P, prose)
    pause = next(c for c in cc.details["claims"] if c.get("feature") == "pause")
    assert pause.get("negated") is True
    assert pause["verdict"] != "supported"


# ------------------------------------------------------------------ held-out real output (issue 10)
# Shapes found in real LLM-written games that the corpus did not have; each program is written here.

def test_head_in_a_concatenated_list_and_in_an_occupied_set(snake):
    """`self.cells = [nxt] + self.cells[:-1]` puts the new head in front (the test reads
    `cells[2:]`), and `taken.add(nxt)` keeps a set of the body's cells."""
    concat = """
    import pygame, random
    class Worm:
        def __init__(self):
            self.cells = [(200, 200)]
            self.heading = (1, 0)
        def restart(self):
            self.cells = [(200, 200)]
        def advance(self):
            cx, cy = self.cells[0]
            nxt = ((cx + self.heading[0] * 20) % 400, (cy + self.heading[1] * 20) % 400)
            if nxt in self.cells[2:]:
                self.restart()
            else:
                self.cells = [nxt] + self.cells[:-1]
    w = Worm()
    while True:
        w.advance()
    """
    occupied = """
    import pygame
    state = {"cells": [(3, 5), (4, 5)], "taken": {(3, 5), (4, 5)}, "alive": True, "dir": (1, 0)}
    while True:
        hx, hy = state["cells"][-1]
        nxt = (hx + state["dir"][0], hy + state["dir"][1])
        taken = state["taken"]
        if nxt in taken and nxt != state["cells"][0]:
            state["alive"] = False
        else:
            state["cells"].append(nxt)
            taken.add(nxt)
            taken.remove(state["cells"].pop(0))
    """
    assert _found(_run(snake, concat)[0])["self_collision"] is True
    assert _found(_run(snake, occupied)[0])["self_collision"] is True
    # a set the head is added to is not the body when nothing tests the head against it
    visited = occupied.replace("if nxt in taken and nxt != state[\"cells\"][0]:", "if nxt == (0, 0):")
    assert _found(_run(snake, visited)[0])["self_collision"] is False


ITEM_LOOKS = """
import pygame, random, time
YELLOW, BLUE, WHITE, GOLD = (255, 255, 0), (0, 0, 255), (255, 255, 255), (255, 200, 0)
BONUS_SHADES = [(255, 0, 255), (0, 255, 255)]
class Treat:
    def __init__(self):
        self.cell = (5, 5)
        self.bonus = random.random() < 0.2
        if self.bonus:
            self.colour = random.choice(BONUS_SHADES)
        else:
            self.colour = GOLD
class Game:
    def __init__(self, screen):
        self.screen, self.font = screen, pygame.font.Font(None, 24)
        self.boosts, self.boost_on, self.snake = [], False, [(10, 10)]
    def draw(self):
        for b in self.boosts:
            if b.live:
                colour = YELLOW if b.kind == "fast" else BLUE if b.kind == "points" else WHITE
                pygame.draw.rect(self.screen, colour, (b.x * 20, b.y * 20, 20, 20))
        if self.boost_on:
            label = self.font.render("Boost!", True, GOLD)
            self.screen.blit(label, (5, 5))
"""


def test_an_items_own_colour_is_not_a_skin(snake):
    """Power-ups drawn in their type's colour, a Food class that colours itself, a text colour:
    none of them changes the snake's colour."""
    assert _found(_run(snake, ITEM_LOOKS)[0])["skin_item"] is False
    # the same game with a skin item that recolours the snake when picked up
    skin = ITEM_LOOKS + """
    def pick(self, b):
        if b.kind == "skin":
            self.snake_colour = random.choice(BONUS_SHADES)
game = Game(pygame.display.set_mode((400, 400)))
for b in game.boosts:
    if game.snake[0] == (b.x, b.y):
        game.pick(b)
game.draw()
"""
    assert _found(_run(snake, skin)[0])["skin_item"] is True, _feature(_run(snake, skin)[0], "skin_item")


LIFETIME = """
import pygame, random, time
clock = pygame.time.Clock()
speed, pts = 8, 0
powerup_pos, powerup_shown, powerup_timer = None, False, 0
head, apple = (5, 5), (9, 9)
while True:
    if head == apple:
        pts += 1
        speed += 0.5          # harder after every apple
    if not powerup_shown and random.random() < 0.05:
        powerup_pos = (3, 3)
        powerup_shown = True
        powerup_timer = time.time()
    if powerup_pos and head == powerup_pos:
        pts += 25
        powerup_pos, powerup_shown = None, False
    if powerup_shown and time.time() - powerup_timer > 8:
        powerup_pos, powerup_shown = None, False
    clock.tick(speed)
"""


def test_a_power_ups_lifetime_and_a_difficulty_ramp_are_not_a_speed_item(snake):
    assert _found(_run(snake, LIFETIME)[0])["speed_item"] is False


def test_speed_boosts_that_count_themselves_down_or_up(snake):
    down = """
    import pygame
    clock = pygame.time.Clock()
    class Worm:
        def __init__(self):
            self.turbo_boost = 0
        def step(self):
            if self.turbo_boost > 0:
                self.turbo_boost -= 1
    w, head, gem = Worm(), (1, 1), (4, 4)
    while True:
        w.step()
        if head == gem:
            w.turbo_boost = 25
        if w.turbo_boost > 0:
            clock.tick(24)
        else:
            clock.tick(12)
    """
    up = """
    import pygame, random
    clock = pygame.time.Clock()
    class Play:
        def __init__(self):
            self.powerup_effect, self.powerup_timer, self.gem = None, 0, (4, 4)
        def update(self, head):
            if head == self.gem:
                self.powerup_effect = random.choice(["HASTE", "DOUBLE"])
                self.powerup_timer = 0
            if self.powerup_effect:
                self.powerup_timer += 1
                if self.powerup_timer > 150:
                    self.powerup_effect = None
                    self.powerup_timer = 0
    play = Play()
    while True:
        fps = 10
        if play.powerup_effect == "HASTE":
            fps += 6
        play.update((1, 1))
        clock.tick(fps)
    """
    assert _found(_run(snake, down)[0])["speed_item"] is True
    assert _found(_run(snake, up)[0])["speed_item"] is True


def test_a_spawn_loop_is_not_a_pickup_that_does_nothing(snake):
    code = """
    import pygame, random
    class Play:
        def __init__(self):
            self.snake, self.apple, self.powerup, self.speed, self.powerup_on = [(5, 5)], (1, 1), (7, 7), 10, False
        def tick(self):
            head = self.snake[0]
            if self.powerup_on and head == self.powerup:
                self.speed += 4
                self.powerup_on = False
            while self.apple in self.snake or self.apple == self.powerup:
                self.apple = (random.randint(0, 19), random.randint(0, 19))
    Play().tick()
    """
    fc = _run(snake, code)[0]
    assert _found(fc)["items_awarded"] is True, _feature(fc, "items_awarded")


def test_an_invincibility_that_runs_down_every_step_is_not_shield_charges(snake):
    timed = """
    import pygame
    class Worm:
        def __init__(self):
            self.cells, self.invincible = [(5, 5)], 0
        def move(self, nxt):
            if nxt in self.cells[1:] and self.invincible <= 0:
                return False
            self.cells.insert(0, nxt)
            self.cells.pop()
            if self.invincible > 0:
                self.invincible -= 1
            return True
    w, alive = Worm(), True
    while alive:
        if w.cells[0] == (3, 3):
            w.invincible = 40
        alive = w.move((4, 5))
    """
    charges = """
    import pygame
    class Worm:
        def __init__(self):
            self.cells, self.invincible = [(5, 5)], 0
        def move(self, nxt):
            if nxt in self.cells[1:]:
                if self.invincible > 0:
                    self.invincible -= 1
                else:
                    return False
            self.cells.insert(0, nxt)
            self.cells.pop()
            return True
    w, alive = Worm(), True
    while alive:
        if w.cells[0] == (3, 3):
            w.invincible = 3
        alive = w.move((4, 5))
    """
    assert _found(_run(snake, timed)[0])["ice_shield"] is False
    fc = _run(snake, charges)[0]
    assert _found(fc)["ice_shield"] is True, _feature(fc, "ice_shield")


def test_a_controls_list_names_keys_whatever_they_do(snake):
    """`**ESC** - Go back to the menu`: a controls list gives each key a description, not always a
    verb like pause or restart; each listed key is a claim the code must back."""
    code = """
    import pygame, sys
    pygame.init()
    screen = pygame.display.set_mode((400, 400))
    hats, menu = False, False
    while True:
        for event in pygame.event.get():
            if event.type == pygame.QUIT:
                sys.exit()
            if event.type == pygame.KEYDOWN:
                if event.key == pygame.K_ESCAPE:
                    menu = True
                elif event.key == pygame.K_h:
                    hats = not hats
        pygame.display.flip()
    """
    prose = ("## Controls\n\n* **ESC** - Back to the main menu\n* **H** - Secret party hat mode\n"
             "* `M`: music on or off\n\nNote: the board is 20 cells wide.")
    v = _verdicts(_run(snake, code, prose)[1])
    assert v[("control", "escape")] == "supported"
    assert v[("control", "H")] == "supported"
    assert v[("control", "M")] == "unsupported"
    assert not any(k[0] == "control" and k[1] not in ("escape", "H", "M") for k in v), v


def test_a_speed_that_goes_up_or_equals_the_cell_is_not_pixel_movement(snake):
    """`snake_speed += 1` after an apple changes the speed, not a position; a step named speed that
    is the cell size (`seg_size = (16, 16)`, `snake_speed = 16  # pixels per move`) is a one-cell move."""
    ramp = """
    import pygame
    CELL = 20
    x, y, dx, dy = 200, 200, CELL, 0
    snake_speed = 8
    clock = pygame.time.Clock()
    while True:
        x += dx
        y += dy
        if (x, y) == (100, 100):
            snake_speed += 1
        clock.tick(snake_speed)
    """
    named_speed = """
    import pygame
    body = [[64, 64], [48, 64]]
    seg_size = (16, 16)
    snake_speed = 16  # pixels per move
    heading = "RIGHT"
    while True:
        if heading == "RIGHT":
            nxt = [body[0][0] + snake_speed, body[0][1]]
        else:
            nxt = [body[0][0] - snake_speed, body[0][1]]
        body.insert(0, nxt)
        body.pop()
    """
    pixels = named_speed.replace("snake_speed = 16  # pixels per move", "snake_speed = 3  # pixels per frame")
    assert _found(_run(snake, ramp)[0])["grid_movement"] is True
    assert _found(_run(snake, named_speed)[0])["grid_movement"] is True
    assert _found(_run(snake, pixels)[0])["grid_movement"] is False


def test_expand_it_by_adding_scoring_is_an_offer_not_a_claim(snake):
    """The common closing line "You can expand upon it by adding features like scoring" says the
    score is not there yet."""
    code = """
    import pygame
    pygame.init()
    screen = pygame.display.set_mode((300, 300))
    body, step = [(100, 100)], 20
    while True:
        hx, hy = body[0]
        body = [(hx + step, hy)] + body[:-1]
        pygame.display.flip()
    """
    prose = "You can expand upon it by adding features like scoring or improving the graphics."
    cc = _run(snake, code, prose)[1]
    score = next(c for c in cc.details["claims"] if c.get("feature") == "score")
    assert score.get("negated") is True and score["verdict"] == "supported", score


def test_numbers_in_plain_feature_sentences_go_to_the_right_feature(snake):
    """"adds 10 to the score" and "50 extra points" are score numbers even in a sentence about apples;
    a "30×24 board" is a size, not a x30 multiplier; "one 20 px cell at a time" is a grid claim."""
    code = """
    import pygame
    pygame.init()
    screen = pygame.display.set_mode((600, 480))
    font = pygame.font.Font(None, 24)
    CELL, COLS, ROWS = 20, 30, 24
    body, apple, bonus, score = [(5, 5)], (9, 9), (2, 2), 0
    while True:
        hx, hy = body[0]
        nxt = (hx + 1, hy)
        body.insert(0, nxt)
        if nxt == apple:
            score += 10
        else:
            body.pop()
        if nxt == bonus:
            score += 50
        screen.blit(font.render(f"Score: {score}", True, (255, 255, 255)), (5, 5))
        for x, y in body:
            pygame.draw.rect(screen, (0, 200, 0), (x * CELL, y * CELL, CELL, CELL))
        pygame.display.flip()
    """
    prose = ("The snake moves one 20 px cell at a time on a 30×24 board. Eating an apple grows the snake "
             "and adds 10 to the score. A golden apple sometimes appears; grab it for 50 extra points.")
    v = _verdicts(_run(snake, code, prose)[1])
    assert v[("feature", "grid_movement")] == "supported"
    assert v[("number", ("score", 10.0))] == "supported"
    assert v[("number", ("score", 50.0))] == "supported"
    assert v[("number", ("grid_movement", 30.0))] == "supported"
    assert not any(k[0] == "number" and k[1][0] == "speed_item" for k in v), v
